datacenter = "dc1"
data_dir   = "/tmp/pylon"
node_name  = "validate-test"

service {
  name = "web"
  port = 8080
  check {
    http     = "http://127.0.0.1:8080/health"
    interval = "10s"
  }
}
