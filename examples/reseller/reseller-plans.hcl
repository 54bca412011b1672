# Reseller plans: what a reseller may hand out to all of its customers
# together. Reseller plans belong to the admin.

# Without overselling, the sum of what the reseller's subscriptions get
# must fit the allocation; every limited resource must then be set in
# each of the reseller's service plans.
reseller_plan "Reseller Standard" {
  description = "Up to 20 customers, 200 GiB in all"
  resources {
    disk_space    = "200GiB"
    traffic       = "2TiB"
    customers     = 20
    subscriptions = 50
    overuse       = "block"
  }
  permissions {
    manage_hosting        = true
    manage_php_settings   = true
    manage_dns            = true
    manage_subdomains     = true
    manage_domain_aliases = true
    manage_crontab        = true
    manage_spamfilter     = true
    manage_webstats       = true
    manage_logs           = true
    manage_backups        = true
    create_websites       = true
    create_customers      = true
  }
  services = ["premium-support"]
}

# With oversell, each subscription must fit the allocation on its own;
# the sum may exceed it.
reseller_plan "Reseller Flex" {
  description = "Oversold: up to 150 GiB per subscription, no cap on the total"
  resources {
    disk_space    = "150GiB"
    customers     = "unlimited"
    subscriptions = "unlimited"
    overuse       = "notify"
  }
  permissions {
    manage_hosting        = true
    manage_php_settings   = true
    manage_php_version    = true
    manage_dns            = true
    manage_subdomains     = true
    manage_domain_aliases = true
    manage_ssh            = true
    manage_crontab        = true
    manage_spamfilter     = true
    manage_antivirus      = true
    manage_webstats       = true
    manage_logs           = true
    manage_backups        = true
    manage_webapps        = true
    create_websites       = true
    create_customers      = true
    allow_oversell        = true
  }
  services = ["premium-support"]
  oversell = true
}
