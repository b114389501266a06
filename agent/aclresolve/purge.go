package aclresolve

import (
	"context"
	"net/http"
	"strings"
)

// PurgeAfterACLWrites wraps the agent's HTTP handler: after every request
// that may change tokens, policies or roles (any method but GET and HEAD
// under /v1/acl/), the cache is purged, so that a change made through
// this agent applies to its next request.
func (r *Resolver) PurgeAfterACLWrites(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req)
		if req.Method != http.MethodGet && req.Method != http.MethodHead && strings.HasPrefix(req.URL.Path, "/v1/acl/") {
			r.Purge()
		}
	})
}

// PurgeOnChange purges the cache each time wait returns, until ctx ends.
// arm sets up a wait for the next change of the ACL data (a memdb watch
// on the ACL tables, on a server agent) and returns the function that
// blocks until then; it is armed before each purge, so that a change
// made while purging is not missed.
func (r *Resolver) PurgeOnChange(ctx context.Context, arm func() (wait func(context.Context) error)) {
	for {
		wait := arm()
		r.Purge()
		if err := wait(ctx); err != nil || ctx.Err() != nil {
			return
		}
	}
}

// DefaultTokenHeader wraps the HTTP handler of a client agent: a request
// that carries no token (no ?token, X-Consul-Token or bearer
// Authorization) is given this agent's default token, so that the
// servers it is forwarded to judge it as this agent would, not by their
// own default token.
func (r *Resolver) DefaultTokenHeader(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		def := r.tokens.Load().Default
		if def != "" && !carriesToken(req) {
			req = req.Clone(req.Context())
			req.Header.Set("X-Consul-Token", def)
		}
		h.ServeHTTP(w, req)
	})
}

// carriesToken reports whether a request presents a token in any of the
// places the HTTP API reads one from.
func carriesToken(req *http.Request) bool {
	if req.URL.Query().Get("token") != "" || req.Header.Get("X-Consul-Token") != "" {
		return true
	}
	t, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	return ok && strings.TrimSpace(t) != ""
}
