package api

import "time"

// Session behaviours: what happens to the keys a session holds when it is
// invalidated.
const (
	// SessionBehaviorRelease (the default) releases the keys: their
	// Session is cleared, their values stay.
	SessionBehaviorRelease = "release"

	// SessionBehaviorDelete deletes the keys, like ephemeral nodes.
	SessionBehaviorDelete = "delete"
)

// SessionEntry is a session as /v1/session returns it, and the request body
// of Session.Create (where only Name, Node, LockDelay, Behavior, TTL and
// the check lists count).
type SessionEntry struct {
	CreateIndex uint64
	ID          string
	Name        string

	// Node owns the session; the agent's own node when created empty.
	Node string

	// LockDelay keeps the keys of an invalidated session from being
	// acquired again for this long (default 15s, at most 60s). On the wire
	// it is a number of nanoseconds.
	LockDelay time.Duration

	// Behavior is SessionBehaviorRelease or SessionBehaviorDelete.
	Behavior string

	// TTL is a duration string ("10s" to "24h"); "" for a session that
	// only checks keep alive. The session must be renewed within it.
	TTL string

	Namespace string `json:",omitempty"` // Enterprise only

	// Checks is the old name of NodeChecks (deprecated).
	Checks []string

	// NodeChecks and ServiceChecks are the health checks whose failure
	// invalidates the session.
	NodeChecks    []string
	ServiceChecks []ServiceCheck

	// ModifyIndex is the Raft index of the session's last change. Consul's
	// server sends it; Consul's Go client does not read it.
	ModifyIndex uint64
}

// ServiceCheck names a service check a session is bound to.
type ServiceCheck struct {
	ID        string
	Namespace string // Enterprise only
}
