# Imported from several Plesk servers by plansync import.
customer "idle" {
  servers = ["web1"]
  name    = "Idle Customer"
}

customer "jdoe" {
  name  = "John Doe"
  email = "john@doe.example"
}
