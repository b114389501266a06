package httpapi

import (
	"net/http"
	"strings"
)

// Forwarder hands a request to a server and writes its answer. A client
// agent has no state store: every endpoint but its own (/v1/agent/...) and
// its user events is answered by a server.
type Forwarder interface {
	ForwardHTTP(w http.ResponseWriter, r *http.Request)
}

// ForwardTo makes the API forward the requests that need a server to f.
// Call it before serving; nil (the default) serves every request here.
func (s *Server) ForwardTo(f Forwarder) { s.forwarder = f }

// servedLocally reports whether a path is answered by the agent itself
// even on a client agent: its own services and checks, and user events,
// which travel by gossip.
func servedLocally(path string) bool {
	return strings.HasPrefix(path, "/v1/agent/") || strings.HasPrefix(path, "/v1/event/") ||
		!strings.HasPrefix(path, "/v1/")
}
