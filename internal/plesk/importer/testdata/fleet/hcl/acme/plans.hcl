# Imported from several Plesk servers by plansync import.
service_plan "Basic" {
  servers = ["web1"]
  owner   = "acme"
  resources {
    disk_space = "2GiB"
  }
}
