addon_plan "Extra Storage" {
  description = "10 GiB more"
  resources {
    disk_space = "10GiB"
  }
}
