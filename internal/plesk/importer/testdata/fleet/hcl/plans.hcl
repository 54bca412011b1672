# Imported from several Plesk servers by plansync import.
service_plan "Business" {
  resources {
    disk_space = "10GiB"
    mailboxes  = 50
  }
  permissions {
    manage_dns = true
  }
}

service_plan "Premium" {
  servers = ["web3"]
  resources {
    disk_space = "100GiB"
  }
}

service_plan "Starter" {
  servers = ["web1", "web2"]
  resources {
    disk_space = "1GiB"
  }
}

addon_plan "Extra Storage" {
  resources {
    disk_space = "5GiB"
  }
}
