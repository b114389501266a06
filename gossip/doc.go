// Package gossip runs Pylon's gossip pools: the LAN pool of every agent in
// a datacenter and the WAN pool of the servers of all datacenters. A Pool
// wraps one hashicorp/serf instance (SWIM membership with Lifeguard, from
// hashicorp/memberlist) and speaks Pylon's types: Member with Consul's
// status numbers, Tags with Consul's tag names (role, dc, port, id, build,
// vsn, raft_vsn, expect, segment, wan_join_port), member and user Events
// handed to a callback, gossip encryption keys and their rotation
// (InstallKey, UseKey, RemoveKey, ListKeys, persisted in the keyring file
// under the data dir), and Vivaldi network coordinates with RTT.
//
// Build a Config with DefaultLANConfig or DefaultWANConfig (Fast for
// tests), start it with New, and Join or RetryJoin other members. Leave
// departs gracefully (members see the node as left); Shutdown without Leave
// looks like a crash to the others (the node becomes failed until
// ForceLeave or the reconnect timeout).
//
// The package imports nothing else of Pylon; the agent and the server wire
// pools in and translate members into the catalog.
package gossip
