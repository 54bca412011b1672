# A reseller's own plan, on the servers where the reseller is (web2).
service_plan "Globex Web" {
  owner = "hostco"
  resources {
    disk_space = "5GiB"
    websites   = 2
  }
  hosting {
    php_version = "8.3"
    php_handler = "fpm"
  }
}

subscription "globex.example" {
  customer = "globex"
  plan     = "Globex Web"
  server   = "web2"
}
