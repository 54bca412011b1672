# Imported from several Plesk servers by plansync import.
subscription "bob.example" {
  server   = "web1"
  customer = "bob"
  plan     = "Basic"
}
