# The resellers are the admin's: their accounts, passwords and reseller
# plans are managed here, in the admin's files. What each reseller sells
# (its plans, customers and subscriptions) is in its own folder, acme/
# and globex/, which the reseller can plan and apply on its own with
# --as reseller:LOGIN (see README.md).

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

# Globex sells more than its allocation holds in total: its subscriptions
# have 220 GiB of disk space together, Reseller Flex allocates 150 GiB.
# The plan oversells, so each subscription need only fit on its own.
reseller "globex" {
  password = file("secrets/globex.txt")
  name     = "Hank Scorpio"
  company  = "Globex Corporation"
  email    = "hosting@globex.example"
  plan     = "Reseller Flex"
}
