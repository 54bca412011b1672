# Imported from several Plesk servers by plansync import.
customer "bob" {
  name  = "Bob"
  owner = "acme"
}
