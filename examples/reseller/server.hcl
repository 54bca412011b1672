# The hosting server and the additional services.
server {
  components   = ["php8.1", "php8.2", "php8.3", "php-fpm", "php-fastcgi", "postfix", "roundcube", "spamassassin", "webalizer", "awstats", "bind"]
  default_plan = "Starter"
}

service "premium-support" {
  description = "Priority support desk"
  button {
    url = "https://support.hosting.example/ticket"
  }
  send = ["subscription_id", "primary_domain", "customer_name", "customer_email"]
}

# Made by the admin for the admin's own customers: resellers' plans
# cannot offer it.
service "managed-updates" {
  description = "We keep the CMS and its plugins up to date"
  button {
    url           = "https://updates.hosting.example/status"
    open_in_panel = true
  }
  send                   = ["subscription_id", "primary_domain", "ftp_credentials"]
  available_to_resellers = false
}
