// Package server runs the replicated core of a Pylon server: Raft
// (hashicorp/raft, with raft-wal as log and stable store and file
// snapshots, or in-memory stores in dev mode), the FSM (server/fsm) and
// the catalog state store (server/state).
//
// Server is the handle the agent uses: it writes through Raft (Register,
// Deregister, PreparedQueryApply, KVApply, SessionCreate, SessionDestroy,
// Txn), exposes the store for reads, executes prepared queries
// (PreparedQuery, through server/preparedquery), and answers leadership
// questions for the HTTP layer's consistency modes and headers.
//
// While it leads, it keeps a TTL timer per session (session_timers.go;
// SessionRenew resets one) and reaps old KV tombstones (tombstone_gc.go);
// both start after the leadership barrier and stop when leadership is lost
// or the server shuts down.
//
// Network coordinates (coordinate.go): agents hand their coordinate to
// CoordinateUpdate (forwarded to the leader); the leader queues the latest
// per node and applies them to Raft in batches every
// Config.CoordinateUpdatePeriod.
//
// Operator and autopilot (operator*.go, autopilot*.go): RaftConfiguration,
// RemoveRaftPeer and TransferLeadership act on the Raft configuration; the
// leader's autopilot loop judges every server's health, promotes stable
// non-voters and removes servers the LAN pool reports dead while a
// majority and MinQuorum remain. Its configuration is written through
// Raft (AutopilotSetConfiguration) or comes from Config.Autopilot.
//
// ACLs (acl*.go): tokens, policies and roles are written through Raft
// (ACLBootstrap, ACLTokenSet, ACLPolicySet, ACLRoleSet, their Delete and
// ACLTokenClone) and read from the store; ResolveToken turns a secret
// into the token's policies and identities for this datacenter. With
// Config.ACLsEnabled the leader also creates the built-in policies and
// the anonymous token and deletes expired tokens.
//
// It may import server/fsm, server/state, acl and connect, never agent or
// anything that serves HTTP or DNS.
package server
