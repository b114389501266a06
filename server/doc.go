// Package server runs the replicated core of a Pylon server: Raft
// (hashicorp/raft, with raft-wal as log and stable store and file
// snapshots, or in-memory stores in dev mode), the FSM (server/fsm) and
// the catalog state store (server/state).
//
// Server is the handle the agent uses: it writes through Raft (Register,
// Deregister, PreparedQueryApply), exposes the store for reads, executes
// prepared queries (PreparedQuery, through server/preparedquery), and
// answers leadership questions for the HTTP layer's consistency modes and
// headers.
//
// It may import server/fsm, server/state, acl and connect, never agent or
// anything that serves HTTP or DNS.
package server
