# Acme's customers and their subscriptions, on Acme's plans.
customer "wile" {
  owner       = "acme"
  name        = "Wile Coyote"
  company     = "Desert Rockets"
  email       = "wile@desert-rockets.example"
  password    = file("secrets/wile.txt")
  description = "Orders a lot of rockets"
}

customer "roadrunner" {
  owner = "acme"
  name  = "Road Runner"
  email = "meep@roadrunner.example"
}

subscription "desert-rockets.example" {
  customer = "wile"
  plan     = "Pro"
  addons   = ["Extra Space"]
}

subscription "coyote.example" {
  customer = "wile"
  plan     = "Basic"
}

subscription "roadrunner.example" {
  customer = "roadrunner"
  plan     = "Basic"
}

# Customised, so locked: Basic plus 3 GiB.
subscription "meep.example" {
  customer = "roadrunner"
  plan     = "Basic"
  customize {
    resources {
      disk_space = "8GiB"
    }
  }
}
