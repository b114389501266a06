service {
  id   = "web-1"
  name = "web"
  port = 8080
  tags = ["v1"]
  meta {
    version = "1.2"
  }
  check {
    http     = "http://127.0.0.1:8080/health"
    interval = "10s"
    timeout  = "1s"
  }
}
