# The same configuration as full.yaml, in HCL.
server {
  components = ["php8.2", "php8.3", "php-fpm", "postfix", "roundcube", "spamassassin", "bind"]
  extension "wp-toolkit" {
    service "wordpress" {
      description = "WordPress Toolkit"
      button {
        url           = "https://wp.example/launch"
        open_in_panel = true
      }
      send                   = ["subscription_id", "primary_domain"]
      available_to_resellers = false
    }
  }
  default_plan = "Starter"
}

service "premium-support" {
  description = "Premium support desk"
  button {
    url              = "https://support.example/ticket"
    background_image = "images/support.png"
    open_in_panel    = false
  }
  send                   = ["subscription_id", "primary_domain", "ftp_credentials", "customer_id", "customer_name", "customer_email", "customer_company"]
  available_to_resellers = true
}

service "backup-plus" {}

service_plan "Business" {
  description = "For small businesses"
  resources {
    disk_space     = "10GiB"
    traffic        = "100GiB"
    websites       = 5
    subdomains     = "unlimited"
    domain_aliases = 10
    mailboxes      = 100
    mailbox_quota  = "1GB"
    mailing_lists  = 2
    databases      = 10
    ftp_accounts   = 3
    web_users      = 0
    expiration     = "1y"
    overuse        = "not_suspend_notify"
  }
  permissions {
    manage_hosting        = true
    manage_php_settings   = true
    manage_php_version    = false
    manage_dns            = true
    manage_subdomains     = true
    manage_domain_aliases = true
    manage_ssh            = false
    manage_crontab        = true
    manage_spamfilter     = true
    manage_antivirus      = false
    manage_webstats       = true
    manage_logs           = true
    manage_backups        = true
    manage_webapps        = true
    create_websites       = true
  }
  hosting {
    php_version = 8.3
    php_handler = "fpm"
    php_settings = {
      memory_limit       = "256M"
      max_execution_time = 60
      display_errors     = false
      precision          = 14.5
    }
    ssl      = true
    ssh      = "chrooted"
    webstats = "awstats"
  }
  mail {
    enabled    = true
    webmail    = "roundcube"
    spamfilter = true
    antivirus  = "both"
  }
  dns {
    zone_type = "master"
  }
  services = ["premium-support", "wordpress"]
}

service_plan "Starter" {
  resources {
    disk_space = "512MiB"
    expiration = "30d"
  }
}

service_plan "Gold Hosting" {
  owner = "res1"
  resources {
    disk_space = "5GiB"
  }
  services = ["premium-support"]
}

addon_plan "Extra Storage" {
  description = "More room"
  resources {
    disk_space = "5GiB"
    traffic    = "10TB"
    mailboxes  = 10
    expiration = "6mo"
  }
  permissions {
    manage_backups = true
  }
  hosting {
    ssl = true
  }
  mail {
    enabled    = true
    spamfilter = true
  }
  services = ["backup-plus"]
}

addon_plan "Extra Storage" {
  owner = "res1"
  resources {
    disk_space = "1GiB"
  }
}

reseller_plan "Gold" {
  owner       = "admin"
  description = "Gold resellers"
  resources {
    disk_space    = "1TiB"
    traffic       = "unlimited"
    customers     = 100
    subscriptions = 200
    overuse       = "block"
    oversell      = true
  }
  permissions {
    create_customers = true
    allow_oversell   = true
    manage_dns       = true
  }
  services = ["premium-support"]
}

reseller "res1" {
  password    = env("RES1_PASSWORD")
  name        = "Reseller One"
  company     = "Res One Ltd"
  email       = "ops@res1.example"
  phone       = "+33 1 23 45 67 89"
  address     = "1 rue de la Paix, Paris"
  plan        = "Gold"
  status      = "active"
  description = "Our first reseller"
}

reseller "res2" {
  renamed_from = "res-two"
  password     = file("secrets/res2.txt")
  plan         = "none"
  resources {
    disk_space = "50GiB"
    customers  = 5
  }
  permissions {
    create_customers = true
  }
  services = ["backup-plus"]
  oversell = false
  status   = "suspended"
}

customer "jdoe" {
  name        = "John Doe"
  company     = "Doe Inc"
  email       = "john@doe.example"
  phone       = 5551234
  address     = "2 Main St"
  password    = env("JDOE_PASSWORD")
  status      = "active"
  description = "Long-time customer"
}

customer "alice" {
  renamed_from      = "alice.old"
  owner             = "res1"
  password          = "alice-secret"
  status            = "suspended"
  description       = "by res1"
  admin_description = "watch this one"
}

subscription "Doe.Example" {
  customer     = "jdoe"
  plan         = "Business"
  addons       = ["Extra Storage"]
  status       = "active"
  expires      = "2027-01-31"
  ftp_login    = "doeftp"
  ftp_password = env("DOE_FTP")
}

subscription "alice.example" {
  renamed_from = "alice-old.example"
  customer     = "alice"
  plan         = "Gold Hosting"
  addons       = ["Extra Storage"]
  customize {
    resources {
      disk_space = "20GiB"
      overuse    = "block"
    }
    permissions {
      manage_dns = false
    }
    hosting {
      php_version  = "8.2"
      php_settings = { memory_limit = "512M" }
    }
    mail {
      webmail = "none"
    }
    dns {
      zone_type = "slave"
    }
  }
  expires = "2027-02-01T10:00:00Z"
}

subscription "own.example" {
  owner  = "res1"
  plan   = "none"
  customize {}
  status = "suspended"
}

subscriber_settings "doe.example" {
  hosting {
    php_version  = "8.2"
    php_settings = { memory_limit = "1G" }
    ssl          = false
  }
  mail {
    spamfilter = false
  }
  dns {
    zone_type = "slave"
  }
}
