package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/server/state"
)

// call is one request in flight, with what every handler needs resolved.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	arg   string // the URL path after the route's prefix, for "/"-ending routes
	token string
	authz acl.Authorizer
	index uint64 // the result index of the blocking read, once it ran
	route *route // the route being served; nil in tests that build calls
	// filtered records that the token's rights removed something from the
	// answer (see visible); writeBody reports it in a header.
	filtered bool
}

// newCall resolves the token and the path argument of a request.
func (s *Server) newCall(w http.ResponseWriter, r *http.Request, prefix string) (*call, error) {
	if err := rejectEnterpriseParams(r); err != nil {
		return nil, err
	}
	c := &call{w: w, r: r, token: requestToken(r)}
	if strings.HasSuffix(prefix, "/") {
		c.arg = strings.TrimPrefix(r.URL.Path, prefix)
	}
	if err := c.resolve(s); err != nil {
		return nil, err
	}
	return c, nil
}

// resolve (re)resolves the call's token. Blocking reads call it again on
// each wake, so that a token revoked while a query waits stops getting
// data. A token that does not resolve is 403 "ACL not found", never 500.
func (c *call) resolve(s *Server) error {
	authz, err := s.authz(c.token)
	if errors.Is(err, state.ErrACLNotFound) {
		return errTokenNotFound
	}
	if err != nil {
		return fmt.Errorf("resolve token: %w", err)
	}
	c.authz = authz
	return nil
}

// visible passes through whether the token may see one element of a list
// answer, recording when it may not: lists are filtered, not refused, and
// say so in X-Consul-Results-Filtered-By-ACLs.
func (c *call) visible(ok bool) bool {
	if !ok {
		c.filtered = true
	}
	return ok
}

// filteredHeader is the header that tells a caller its answer was
// filtered by ACLs. It is only shown to callers that presented a token
// (not to anonymous ones), so that it tells them about resources they may
// not read only once they have authenticated, as Consul does.
const filteredHeader = "X-Consul-Results-Filtered-By-ACLs"

// setFiltered writes filteredHeader when the answer was filtered.
func (c *call) setFiltered() {
	if c.filtered && c.token != "" && c.token != state.ACLAnonymousTokenSecret {
		c.w.Header().Set(filteredHeader, "true")
	}
}

// requestToken picks the token: ?token, then X-Consul-Token, then a bearer
// Authorization header; the first non-empty one wins.
func requestToken(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	if t := r.Header.Get("X-Consul-Token"); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// rejectEnterpriseParams answers namespaces and partitions as Consul CE
// does: any non-empty value is a bad request.
func rejectEnterpriseParams(r *http.Request) error {
	q := r.URL.Query()
	for _, p := range []string{"ns", "partition"} {
		if q.Get(p) != "" {
			return badRequest("%q is a Consul Enterprise feature", p)
		}
	}
	for _, h := range []string{"X-Consul-Namespace", "X-Consul-Partition"} {
		if r.Header.Get(h) != "" {
			return badRequest("%q is a Consul Enterprise feature", h)
		}
	}
	return nil
}

// httpError is an error with the status code it maps to.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// errPermissionDenied is Consul's answer to a token that may not act.
var errPermissionDenied = &httpError{http.StatusForbidden, "Permission denied"}

// errTokenNotFound is Consul's answer to a request whose token is unknown
// or expired.
var errTokenNotFound = &httpError{http.StatusForbidden, "ACL not found"}

// writeErr maps an error to a status code once, here at the edge.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		writeError(w, he.code, he.msg)
	case errors.Is(err, state.ErrACLNotFound):
		// A token that does not resolve, other than the request's own (a
		// prepared query's stored token).
		writeError(w, errTokenNotFound.code, errTokenNotFound.msg)
	case errors.Is(err, local.ErrUnknownService), errors.Is(err, local.ErrUnknownCheck):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, local.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

// writeError writes a plain-text error body, as Consul does.
func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, msg)
}

// Endpoint is one route of the API as callers see it: a path (one ending
// in "/" takes the rest of the URL as its argument) and its methods.
type Endpoint struct {
	Path    string
	Methods []string
}

// Endpoints lists every route of the route table, for tests that must
// cover each one (the ACL sweep, which needs a whole agent and so lives
// in package agent).
func Endpoints() []Endpoint {
	table := routeTable()
	out := make([]Endpoint, len(table))
	for i, rt := range table {
		out[i] = Endpoint{Path: rt.path, Methods: slices.Clone(rt.methods)}
	}
	return out
}
