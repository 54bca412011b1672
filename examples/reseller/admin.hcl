# The admin's own service plans, customer and subscriptions. Resellers'
# customers cannot use these plans.
service_plan "Starter" {
  resources {
    disk_space = "5GiB"
    traffic    = "100GiB"
    websites   = 1
    mailboxes  = 10
    databases  = 2
  }
  permissions {
    manage_spamfilter = true
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
    webstats    = "awstats"
  }
  mail {
    enabled    = true
    webmail    = "roundcube"
    spamfilter = true
  }
  dns {
    zone_type = "master"
  }
}

service_plan "Managed WordPress" {
  resources {
    disk_space = "20GiB"
    traffic    = "500GiB"
    websites   = 3
    mailboxes  = 25
    databases  = 5
  }
  permissions {
    manage_php_settings = true
    manage_spamfilter   = true
    manage_backups      = true
  }
  hosting {
    php_version = "8.2"
    php_handler = "fpm"
    php_settings = {
      memory_limit = "256M"
    }
    ssl      = true
    webstats = "awstats"
  }
  mail {
    enabled    = true
    webmail    = "roundcube"
    spamfilter = true
  }
  dns {
    zone_type = "master"
  }
  services = ["premium-support", "managed-updates"]
}

customer "hotel-miramar" {
  name     = "Inés García"
  company  = "Hotel Miramar"
  email    = "ines@hotel-miramar.example"
  password = file("secrets/hotel-miramar.txt")
}

subscription "hotel-miramar.example" {
  customer = "hotel-miramar"
  plan     = "Managed WordPress"
}

subscription "booking.hotel-miramar.example" {
  customer = "hotel-miramar"
  plan     = "Starter"
}

# The provider's own website: an own subscription of the admin.
subscription "hosting.example" {
  plan = "Starter"
}
