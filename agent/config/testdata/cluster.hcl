# A server's cluster keys, written the way Consul's docs write them.
server           = true
bootstrap_expect = 3
start_join       = ["10.0.0.1"]
retry_join       = ["10.0.0.2", "10.0.0.3:8301"]
retry_interval   = "5s"
retry_max        = 4
start_join_wan   = ["10.1.0.1"]
retry_join_wan   = ["10.1.0.2"]
retry_interval_wan = "1m"
retry_max_wan    = 2

encrypt                 = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
encrypt_verify_incoming = false
encrypt_verify_outgoing = false
serf_lan              = "127.0.0.3"
serf_wan              = "127.0.0.4"
advertise_addr_wan    = "192.0.2.1"
reconnect_timeout     = "8h"
reconnect_timeout_wan = "96h"

rejoin_after_leave      = true
leave_on_terminate      = true
skip_leave_on_interrupt = false

performance {
  raft_multiplier = 1
}

autopilot {
  cleanup_dead_servers      = false
  last_contact_threshold    = "1s"
  max_trailing_logs         = 500
  min_quorum                = 3
  server_stabilization_time = "30s"
}
gossip_lan {
  probe_interval  = "1s"
  probe_timeout   = "500ms"
  suspicion_mult  = 4
  gossip_nodes    = 4
  gossip_interval = "100ms"
  retransmit_mult = 5
}
gossip_wan {
  suspicion_mult = 7
}
