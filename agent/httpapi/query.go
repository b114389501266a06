package httpapi

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// queryOptions are the cross-cutting parameters of a read.
type queryOptions struct {
	MinIndex   uint64        // ?index: block until the result's index passes it
	MaxWait    time.Duration // ?wait, defaulted and capped, jitter added
	Stale      bool
	Consistent bool
	// Cached is ?cached: Consul serves such reads from the agent's cache.
	// Here every read is served from the local store, always current, so
	// the answer says X-Cache: MISS (nothing stale was served) with Age 0.
	Cached   bool
	Filter   string
	NodeMeta map[string]string
	Tags     []string
	Near     string
}

// parseQuery reads the query options every read endpoint accepts.
func (s *Server) parseQuery(r *http.Request) (*queryOptions, error) {
	v := r.URL.Query()
	q := &queryOptions{Filter: v.Get("filter"), Near: v.Get("near"), Tags: v["tag"]}
	_, q.Stale = v["stale"]
	_, q.Consistent = v["consistent"]
	q.Cached = v.Has("cached")
	if q.Stale && q.Consistent {
		return nil, badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.")
	}
	if dc := RequestDatacenter(r); dc != "" && dc != s.cfg.Datacenter {
		return nil, &httpError{http.StatusInternalServerError, "No path to datacenter"}
	}
	if idx := v.Get("index"); idx != "" {
		n, err := strconv.ParseUint(idx, 10, 64)
		if err != nil {
			return nil, badRequest("Invalid index %q", idx)
		}
		q.MinIndex = n
	}
	if q.MinIndex > 0 {
		wait, err := s.waitTime(v.Get("wait"))
		if err != nil {
			return nil, err
		}
		q.MaxWait = wait
	}
	for _, kv := range v["node-meta"] {
		k, val, _ := strings.Cut(kv, ":")
		if q.NodeMeta == nil {
			q.NodeMeta = make(map[string]string)
		}
		q.NodeMeta[k] = val
	}
	return q, nil
}

// waitTime turns ?wait into the time a blocking query may wait: the
// default when absent, capped at the maximum, plus up to 1/16 of jitter so
// that many watchers of one change do not return in lockstep.
func (s *Server) waitTime(raw string) (time.Duration, error) {
	wait := s.cfg.DefaultQueryTime
	if raw != "" {
		d, err := parseWait(raw)
		if err != nil {
			return 0, badRequest("Invalid wait time %q", raw)
		}
		wait = d
	}
	if wait <= 0 || wait > s.cfg.MaxQueryTime {
		wait = s.cfg.MaxQueryTime
	}
	return wait + rand.N(wait/16+1), nil
}

// parseWait accepts Go durations and, like Consul, a bare number of
// seconds.
func parseWait(raw string) (time.Duration, error) {
	if n, err := strconv.ParseUint(raw, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(raw)
}

// RequestDatacenter returns the datacenter a request names: ?dc (or
// ?datacenter, which wins); "" when it names none.
func RequestDatacenter(r *http.Request) string {
	v := r.URL.Query()
	if dc := v.Get("datacenter"); dc != "" {
		return dc
	}
	return v.Get("dc")
}

// boolParam reports whether a flag parameter is set: present with no
// value, or a value that parses as true.
func boolParam(r *http.Request, name string) bool {
	v, ok := r.URL.Query()[name]
	if !ok {
		return false
	}
	if len(v) == 0 || v[0] == "" {
		return true
	}
	b, err := strconv.ParseBool(v[0])
	return err == nil && b
}
