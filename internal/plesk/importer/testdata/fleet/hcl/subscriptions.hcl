# Imported from several Plesk servers by plansync import.
subscription "both.example" {
  server = "web1"
  plan   = "Starter"
}

subscription "doe.example" {
  server   = "web1"
  customer = "jdoe"
  plan     = "Business"
  addons   = ["Extra Storage"]
}

subscription "lock.example" {
  server   = "web2"
  customer = "jdoe"
  plan     = "Business"
  customize {
    resources {
      disk_space = "20GiB"
      mailboxes  = 100
    }
    permissions {
      manage_dns = false
    }
  }
}

subscription "shop.example" {
  server   = "web1"
  customer = "jdoe"
  plan     = "Business"
  customize {
    resources {
      mailboxes = 100
    }
  }
}

subscription "web2.example" {
  server   = "web2"
  customer = "jdoe"
  plan     = "Business"
}

subscription "web3.example" {
  server   = "web3"
  customer = "jdoe"
  plan     = "Premium"
}
