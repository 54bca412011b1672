# Imported from several Plesk servers by plansync import.
reseller "acme" {
  name = "Acme Hosting"
  plan = "none"
  resources {
    subscriptions = 10
  }
  permissions {
    create_customers = false
  }
}
