# Imported from several Plesk servers by plansync import.
server "web1" {
  components = ["postfix"]
  plesk {
    url = "https://web1.example.net:8443"
    key = env("PLANSYNC_PLESK_KEY_WEB1")
  }
}

server "web2" {
  components = ["bind", "postfix"]
  plesk {
    url = "https://web2.example.net:8443"
    key = env("PLANSYNC_PLESK_KEY")
  }
}

server "web3" {
  components = ["postfix"]
  plesk {
    url      = "https://web3.example.net:8443"
    login    = "admin"
    password = env("PLANSYNC_PLESK_PASSWORD_WEB3")
    ca_file  = "/etc/plansync/ca.pem"
  }
}
