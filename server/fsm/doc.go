// Package fsm is the Raft state machine of a Pylon server. It only
// dispatches: the first byte of a log entry is a MessageType, a table maps
// each type to a small apply function that decodes the rest of the entry
// and makes one call to the state store, and the result (the store's
// error, or a value such as a KV write's outcome or a transaction's
// results) becomes the entry's response. Snapshots wrap the store's
// own stream in a versioned header.
//
// It imports server/state, hashicorp/raft and go-msgpack, nothing else of
// Pylon.
package fsm
