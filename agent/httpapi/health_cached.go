package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Cached health reads. An agent that keeps push-updated health views
// (agent/healthview) answers ?cached /v1/health/service/:name and
// /v1/health/connect/:name from them, on a client agent without asking a
// server: X-Cache: HIT, Age and X-Consul-LastContact say how long ago the
// view last heard from its server (0 while its stream is up), and
// ?index= blocks on the view. A read a view cannot answer yet (no
// snapshot, too many views), and one sorted by ?near, goes the usual way:
// to the store on a server agent, to a server on a client agent.

// HealthViews keeps the health lists a ?cached health read is answered
// from (agent/healthview.View).
type HealthViews interface {
	// Get returns service's instances (its mesh endpoints when connect),
	// the index of the last change applied and the view's age, zero while
	// its stream from the server is up. With minIndex > 0 it blocks until
	// the index differs from minIndex or wait runs out. An error means the
	// view cannot answer; the caller reads elsewhere.
	Get(ctx context.Context, service string, connect bool, minIndex uint64, wait time.Duration) (
		nodes []state.CheckServiceNode, index uint64, age time.Duration, err error)
}

// ServeCachedHealthFrom makes the API answer ?cached health reads from v.
// Call it before serving; nil (the default) serves them as any read.
func (s *Server) ServeCachedHealthFrom(v HealthViews) { s.healthViews = v }

// servesCachedHealth reports whether r is a ?cached health read this
// agent answers from its views, even on a client agent.
func (s *Server) servesCachedHealth(r *http.Request) bool {
	if s.healthViews == nil || r.Method != http.MethodGet ||
		!strings.HasPrefix(r.URL.Path, "/v1/health/service/") && !strings.HasPrefix(r.URL.Path, "/v1/health/connect/") {
		return false
	}
	if dc := RequestDatacenter(r); dc != "" && dc != s.cfg.Datacenter {
		return false // the views are this datacenter's: it goes to the other's servers
	}
	return strings.Contains(r.URL.RawQuery, "cached") && r.URL.Query().Has("cached")
}

// healthFromView answers a ?cached health read from the views. It reports
// false when the caller must read the store instead.
func (s *Server) healthFromView(c *call, q *queryOptions, connect bool) (bool, error) {
	if q.Consistent {
		return true, badRequest("Cannot specify ?cached with ?consistent, conflicting semantics.")
	}
	if q.Near != "" {
		// Sorting by round-trip time needs the coordinates, which only
		// the store has.
		return s.healthViewMiss(c)
	}
	nodes, idx, age, err := s.healthViews.Get(c.r.Context(), c.arg, connect, q.MinIndex, q.MaxWait)
	if err != nil {
		if c.r.Context().Err() != nil {
			return true, nil // the client went away
		}
		s.logger.Debug("health view cannot answer, reading elsewhere", "service", c.arg, "error", err)
		return s.healthViewMiss(c)
	}
	if q.MinIndex > 0 {
		// The token may have been revoked or changed while the query
		// waited: what it answers is judged by the token as it is now.
		if err := c.resolve(s); err != nil {
			return true, err
		}
	}
	c.index = max(idx, 1) // clients treat 0 as "no blocking"
	body, err := s.viewBody(c, q, nodes)
	if err != nil {
		return true, err
	}
	h := c.w.Header()
	h.Set("X-Consul-Index", strconv.FormatUint(c.index, 10))
	// A view less than a second behind (Age 0) counts as current.
	h.Set("X-Consul-KnownLeader", strconv.FormatBool(age < time.Second))
	h.Set("X-Consul-LastContact", strconv.FormatInt(age.Milliseconds(), 10))
	h.Set("X-Consul-Effective-Consistency", "stale") // cached reads are stale reads
	h.Set("X-Cache", "HIT")
	h.Set("Age", strconv.FormatInt(int64(age/time.Second), 10))
	return true, writeBody(c, body)
}

// viewBody renders and encodes a view's list for the call, or reuses the
// body encoded for the same URL, token and view index (cache.go). Every
// change reaches a view with a new Raft index, so a body is current for
// as long as the index is. On a server agent the bodies belong to the
// store's generation like the store path's; a client agent has no store.
func (s *Server) viewBody(c *call, q *queryOptions, nodes []state.CheckServiceNode) ([]byte, error) {
	var gen <-chan struct{}
	if s.catalog != nil {
		gen = s.catalog.Store().AbandonCh()
	}
	key := cacheKey(c)
	if e, ok := s.cache.get(key, c.index, gen, c.authz); ok {
		c.filtered = e.filtered
		return e.body, nil
	}
	out, err := applyFilter(q.Filter, s.serviceEntries(c, q, nodes))
	if err != nil {
		return nil, err
	}
	body, err := s.encode(c, out)
	if err != nil {
		return nil, err
	}
	s.cache.put(key, cachedBody{index: c.index, body: body, authz: c.authz, filtered: c.filtered}, gen)
	return body, nil
}

// healthViewMiss hands a read the views could not answer to a server on a
// client agent (which has no store), and to the store on a server agent.
func (s *Server) healthViewMiss(c *call) (bool, error) {
	if s.catalog != nil {
		return false, nil
	}
	if s.forwarder != nil && s.forwarder.ForwardHTTP(c.w, c.r) {
		return true, nil
	}
	return true, errNoHealthView
}

// errNoHealthView answers a cached read that neither a view nor a server
// can serve.
var errNoHealthView = &httpError{http.StatusInternalServerError, "No known Consul servers"}

// serviceEntries converts the instances a health read found, keeping
// those the query (?passing, ?tag, ?node-meta) asks for and the token may
// read. The store and view paths share it.
func (s *Server) serviceEntries(c *call, q *queryOptions, nodes []state.CheckServiceNode) []*api.ServiceEntry {
	passing := boolParam(c.r, "passing")
	out := make([]*api.ServiceEntry, 0, len(nodes))
	for _, csn := range nodes {
		if csn.Node == nil || csn.Service == nil {
			continue
		}
		if passing && !allPassing(csn.Checks) {
			continue
		}
		if !matchTags(csn.Service.Tags, q.Tags) || !state.MetaMatches(csn.Node.Meta, q.NodeMeta) {
			continue
		}
		if c.visible(c.authz.ServiceRead(csn.Service.Name) && c.authz.NodeRead(csn.Node.Node)) {
			out = append(out, toServiceEntry(csn, s.cfg.Datacenter))
		}
	}
	return out
}
