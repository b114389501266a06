// Package state is the catalog's in-memory state store: go-memdb tables for
// nodes, services, checks and prepared queries (prepared_query*.go: storage,
// validation, name resolution and template rendering), the KV store with
// its tombstones and in-memory lock delays (kv*.go, tombstone.go), sessions
// and their check bindings (session*.go), ACL policies, roles and tokens
// with their bootstrap and token resolution (acl*.go), the autopilot
// configuration (autopilot.go), the nodes' network coordinates
// (coordinate.go), transactions over
// all of them (txn_ops.go, txn_catalog_ops.go), a table of Raft indexes
// that blocking queries wait on, consistent snapshots, and a publisher of
// change events.
//
// A session ends inside the same transaction as its cause (a bound check
// going critical or away, its node leaving, an explicit destroy): the keys
// it holds are released or deleted there and then.
//
// It is the only code that writes the memdb tables. Public methods open the
// transaction; lowercase xxxTxn helpers do the work and compose, so one Raft
// entry is always one memdb transaction. Writes take the Raft index of the
// entry being applied; reads take a memdb.WatchSet (nil when the caller does
// not block) and return the index that applies to the result.
//
// Records handed out by reads are shared with the store and with other
// readers: they are never changed in place (every write stores a new copy),
// so they are safe to read concurrently, and callers must not modify them.
//
// Change events (events*.go) are published after every committed write, per
// topic and key, for the agents' push-updated views.
//
// The package imports go-memdb and go-msgpack and nothing else of Pylon: it is
// a domain package with no transport.
package state
