# Globex's own plans. The same plan name may exist for several owners:
# plans are keyed by owner and name.
service_plan "Starter" {
  owner = "globex"
  resources {
    disk_space = "10GiB"
    websites   = 2
    mailboxes  = 20
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
  }
  mail {
    enabled = true
    webmail = "roundcube"
  }
  dns {
    zone_type = "master"
  }
}

service_plan "Developer" {
  owner       = "globex"
  description = "SSH, a choice of PHP, lots of room"
  resources {
    disk_space = "100GiB"
    websites   = "unlimited"
    databases  = "unlimited"
  }
  permissions {
    manage_hosting      = true
    manage_php_settings = true
    manage_php_version  = true
    manage_ssh          = true
    manage_crontab      = true
    manage_dns          = true
    manage_logs         = true
    create_websites     = true
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
    ssl         = true
    ssh         = "chrooted"
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
  services = ["premium-support"]
}
