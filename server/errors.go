package server

import "errors"

// Errors returned by Server methods. Callers test them with errors.Is.
var (
	// ErrNotLeader means this server is not the leader; Leader names the
	// one to forward to.
	ErrNotLeader = errors.New("not the leader")
	// ErrNoLeader means the cluster has no known leader right now.
	ErrNoLeader = errors.New("no cluster leader")
	// ErrLeadershipLost means leadership was lost while a write was in
	// flight; the write may or may not have been applied.
	ErrLeadershipLost = errors.New("leadership lost while committing")
	// ErrShutdown means the server has been shut down.
	ErrShutdown = errors.New("server shut down")
	// ErrTimeout means a write could not be queued in time.
	ErrTimeout = errors.New("timed out queueing write")
)
