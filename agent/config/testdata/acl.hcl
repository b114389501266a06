acl {
  enabled                  = true
  default_policy           = "deny"
  down_policy              = "async-cache"
  enable_token_persistence = true
  token_ttl                = "10s"
  policy_ttl               = "1m"
  role_ttl                 = "0s"
  tokens {
    initial_management               = "11111111-1111-1111-1111-111111111111"
    agent                            = "agent-secret"
    agent_recovery                   = "recovery-secret"
    default                          = "default-secret"
    replication                      = "replication-secret"
    dns                              = "dns-secret"
    config_file_service_registration = "cfsr-secret"
  }
}
