# Globex sells more than its allocation holds in total: its subscriptions
# have 220 GiB of disk space together, Reseller Flex allocates 150 GiB.
# The plan oversells, so each subscription need only fit on its own.
reseller "globex" {
  password = file("secrets/globex.txt")
  name     = "Hank Scorpio"
  company  = "Globex Corporation"
  email    = "hosting@globex.example"
  plan     = "Reseller Flex"
}
