package httpapi

import (
	"net/http"
	"strings"
)

// Forwarder may hand a request to another server and write its answer.
// A client agent has no state store: every endpoint but its own
// (/v1/agent/...) and its user events is answered by a server. A follower
// server hands the leader what Consul serves from the leader.
type Forwarder interface {
	// ForwardHTTP reports whether it answered the request; if not, this
	// agent serves it.
	ForwardHTTP(w http.ResponseWriter, r *http.Request) bool
}

// ForwardTo makes the API offer f the requests that need a server. Call
// it before serving; nil (the default) serves every request here.
func (s *Server) ForwardTo(f Forwarder) { s.forwarder = f }

// servedLocally reports whether a path is answered by the agent itself
// even on a client agent: its own services and checks, and user events,
// which travel by gossip.
func servedLocally(path string) bool {
	return strings.HasPrefix(path, "/v1/agent/") || strings.HasPrefix(path, "/v1/event/") ||
		!strings.HasPrefix(path, "/v1/")
}
