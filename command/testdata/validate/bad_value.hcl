service {
  name = "web"
  port = "not-a-number"
}
