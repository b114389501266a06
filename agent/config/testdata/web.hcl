# A service with a sidecar, written the way Consul's docs write it.
service {
  id   = "web-1"
  name = "web"
  tags = ["v1", "primary"]
  port = 8080
  meta { version = "1.2" }
  weights { passing = 3 warning = 1 }
  check {
    id       = "web-http"
    http     = "http://127.0.0.1:8080/health"
    method   = "GET"
    header   = { X-Probe = ["1"] }
    interval = "10s"
    timeout  = "2s"
  }
  connect {
    sidecar_service {
      proxy {
        upstreams = [{ destination_name = "db", local_bind_port = 9191 }]
      }
    }
  }
}
