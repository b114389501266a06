package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/local"
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
	authz, err := s.authz(c.token)
	if err != nil {
		return nil, err
	}
	c.authz = authz
	return c, nil
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

// writeErr maps an error to a status code once, here at the edge.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		writeError(w, he.code, he.msg)
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
