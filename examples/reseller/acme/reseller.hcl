# Acme resells hosting under its own brand, within the Standard
# allocation (no overselling).
reseller "acme" {
  password    = file("secrets/acme.txt")
  name        = "Wile E. Coyote"
  company     = "Acme Web Services"
  email       = "hosting@acme.example"
  phone       = "+1 555 0142"
  plan        = "Reseller Standard"
  description = "Resells since 2019"
}
