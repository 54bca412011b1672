# Service plans, in HCL. YAML files in the same directory tree can use
# them by name.
service_plan "Basic" {
  description = "One website"
  resources {
    disk_space = "5GiB"
    traffic    = "100GiB"
    websites   = 1
    mailboxes  = 10
    databases  = 1
    expiration = "1y"
  }
  permissions {
    manage_spamfilter = true
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
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

service_plan "Pro" {
  description = "Several websites, PHP settings of your own"
  resources {
    disk_space = "25GiB"
    traffic    = "500GiB"
    websites   = 10
    mailboxes  = 100
    databases  = 20
    expiration = "1y"
  }
  permissions {
    manage_hosting      = true
    manage_php_settings = true
    manage_dns          = true
    manage_spamfilter   = true
    create_websites     = true
  }
  hosting {
    php_version = "8.4"
    php_handler = "fpm"
    php_settings = {
      memory_limit = "256M"
    }
    ssl = true
  }
  mail {
    enabled    = true
    webmail    = "roundcube"
    spamfilter = true
  }
  dns {
    zone_type = "master"
  }
  services = ["site-audit"]
}
