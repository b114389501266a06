datacenter = "dc1"
