# Acme's own plans (owner = "acme"): the only ones its customers may use.
# The Standard allocation limits disk space and traffic, so both are set
# in every plan.
service_plan "Basic" {
  owner = "acme"
  resources {
    disk_space = "5GiB"
    traffic    = "50GiB"
    websites   = 1
    mailboxes  = 10
    databases  = 1
  }
  permissions {
    manage_spamfilter = true
  }
  hosting {
    php_version = "8.2"
    php_handler = "fpm"
    ssl         = true
    webstats    = "webalizer"
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
  owner = "acme"
  resources {
    disk_space = "20GiB"
    traffic    = "200GiB"
    websites   = 5
    mailboxes  = 50
    databases  = 10
  }
  permissions {
    manage_hosting      = true
    manage_php_settings = true
    manage_dns          = true
    manage_spamfilter   = true
    manage_backups      = true
    create_websites     = true
  }
  hosting {
    php_version = "8.3"
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
  services = ["premium-support"]
}

addon_plan "Extra Space" {
  owner = "acme"
  resources {
    disk_space = "10GiB"
  }
}
