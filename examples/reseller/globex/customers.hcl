# Globex's customers, its own website, and their subscriptions.
customer "cypress-creek" {
  owner   = "globex"
  name    = "Homer Simpson"
  company = "Cypress Creek Power"
  email   = "homer@cypress-creek.example"
}

# Suspended: so are its subscriptions.
customer "nimbus" {
  owner       = "globex"
  name        = "Frank Grimes"
  email       = "frank@nimbus.example"
  status      = "suspended"
  description = "Chargeback pending"
}

subscription "cypress-creek.example" {
  customer = "cypress-creek"
  plan     = "Developer"
}

# Customised: an older PHP with the FastCGI handler for a legacy app.
subscription "legacy.cypress-creek.example" {
  customer = "cypress-creek"
  plan     = "Developer"
  customize {
    hosting {
      php_version = "8.1"
      php_handler = "fastcgi"
    }
  }
}

subscription "nimbus.example" {
  customer = "nimbus"
  plan     = "Starter"
}

# Globex's own website: an own subscription of the reseller.
subscription "globex.example" {
  owner = "globex"
  plan  = "Starter"
}
