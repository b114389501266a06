package api

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// QueryOptions are the parameters shared by reads. The zero value asks the
// agent's datacenter in default consistency mode, without blocking.
type QueryOptions struct {
	// Namespace and Partition are Enterprise scopes (Pylon rejects them).
	Namespace string
	Partition string

	// Datacenter overrides the client's datacenter (?dc=).
	Datacenter string

	// Peer asks for services imported from a cluster peer (?peer=).
	Peer string

	// AllowStale lets any server answer (?stale); RequireConsistent makes
	// the leader confirm its leadership first (?consistent).
	AllowStale        bool
	RequireConsistent bool

	// UseCache serves the read from the agent cache (?cached). MaxAge and
	// StaleIfError become Cache-Control directives.
	UseCache     bool
	MaxAge       time.Duration
	StaleIfError time.Duration

	// WaitIndex makes the read block until the index passes it (?index=),
	// for at most WaitTime (?wait=). WaitHash blocks on a content hash
	// (?hash=) on the endpoints that support it.
	WaitIndex uint64
	WaitHash  string
	WaitTime  time.Duration

	// Token overrides the client's ACL token.
	Token string

	// Near sorts results by round-trip time from this node; "_agent" is
	// the agent's own node (?near=).
	Near string

	// NodeMeta keeps only nodes with these metadata pairs (?node-meta=k:v).
	NodeMeta map[string]string

	// Filter is a boolean filter expression over the results (?filter=).
	Filter string

	// MergeCentralConfig merges proxy-defaults and service-defaults into
	// returned proxy definitions (?merge-central-config).
	MergeCentralConfig bool

	// RelayFactor (0 to 5) and LocalOnly apply to keyring operations
	// (?relay-factor=, ?local-only=true for the list).
	RelayFactor uint8
	LocalOnly   bool

	ctx context.Context
}

// Context returns the request context; context.Background when unset.
func (o *QueryOptions) Context() context.Context {
	if o != nil && o.ctx != nil {
		return o.ctx
	}
	return context.Background()
}

// WithContext returns a copy of o that carries ctx.
func (o *QueryOptions) WithContext(ctx context.Context) *QueryOptions {
	o2 := new(QueryOptions)
	if o != nil {
		*o2 = *o
	}
	o2.ctx = ctx
	return o2
}

// WriteOptions are the parameters shared by writes.
type WriteOptions struct {
	Namespace  string // Enterprise only
	Partition  string // Enterprise only
	Datacenter string
	Token      string
	// RelayFactor (0 to 5) applies to keyring operations (?relay-factor=).
	RelayFactor uint8

	ctx context.Context
}

// Context returns the request context; context.Background when unset.
func (o *WriteOptions) Context() context.Context {
	if o != nil && o.ctx != nil {
		return o.ctx
	}
	return context.Background()
}

// WithContext returns a copy of o that carries ctx.
func (o *WriteOptions) WithContext(ctx context.Context) *WriteOptions {
	o2 := new(WriteOptions)
	if o != nil {
		*o2 = *o
	}
	o2.ctx = ctx
	return o2
}

// QueryMeta is what a read's response headers say about the result.
type QueryMeta struct {
	// LastIndex is X-Consul-Index: pass it as WaitIndex to block for a change.
	LastIndex uint64

	// LastContentHash is X-Consul-ContentHash, for hash-based blocking.
	LastContentHash string

	// LastContact is X-Consul-LastContact: how long since the answering
	// server heard from the leader.
	LastContact time.Duration

	// KnownLeader is X-Consul-KnownLeader.
	KnownLeader bool

	// RequestTime is how long the request took, measured by the client.
	RequestTime time.Duration

	// AddressTranslationEnabled is X-Consul-Translate-Addresses.
	AddressTranslationEnabled bool

	// CacheHit (X-Cache: HIT) and CacheAge (Age) describe cached reads.
	CacheHit bool
	CacheAge time.Duration

	// QueryBackend is X-Consul-Query-Backend: "streaming" or "blocking-query".
	QueryBackend string

	// DefaultACLPolicy is X-Consul-Default-ACL-Policy: "allow" or "deny".
	DefaultACLPolicy string

	// ResultsFilteredByACLs is X-Consul-Results-Filtered-By-ACLs.
	ResultsFilteredByACLs bool
}

// WriteMeta is what the client learned from a write.
type WriteMeta struct {
	// RequestTime is how long the request took, measured by the client.
	RequestTime time.Duration
}

// setQueryOptions adds q's parameters to r. A nil q changes nothing.
func (r *request) setQueryOptions(q *QueryOptions) {
	if q == nil {
		return
	}
	set := func(key, val string) {
		if val != "" {
			r.params.Set(key, val)
		}
	}
	set("ns", q.Namespace)
	set("partition", q.Partition)
	set("dc", q.Datacenter)
	set("peer", q.Peer)
	set("hash", q.WaitHash)
	set("near", q.Near)
	set("filter", q.Filter)
	if q.AllowStale {
		r.params.Set("stale", "")
	}
	if q.RequireConsistent {
		r.params.Set("consistent", "")
	}
	if q.WaitIndex != 0 {
		r.params.Set("index", strconv.FormatUint(q.WaitIndex, 10))
	}
	if q.WaitTime != 0 {
		r.params.Set("wait", durToMsec(q.WaitTime))
	}
	if q.Token != "" {
		r.header.Set("X-Consul-Token", q.Token)
	}
	for _, k := range slices.Sorted(maps.Keys(q.NodeMeta)) {
		r.params.Add("node-meta", k+":"+q.NodeMeta[k])
	}
	if q.UseCache && !q.RequireConsistent {
		r.params.Set("cached", "")
		r.setCacheControl(q)
	}
	if q.MergeCentralConfig {
		r.params.Set("merge-central-config", "")
	}
	if q.RelayFactor != 0 {
		r.params.Set("relay-factor", strconv.Itoa(int(q.RelayFactor)))
	}
	if q.LocalOnly {
		r.params.Set("local-only", "true")
	}
	r.ctx = q.ctx
}

func (r *request) setCacheControl(q *QueryOptions) {
	var cc []string
	if q.MaxAge > 0 {
		cc = append(cc, fmt.Sprintf("max-age=%.0f", q.MaxAge.Seconds()))
	}
	if q.StaleIfError > 0 {
		cc = append(cc, fmt.Sprintf("stale-if-error=%.0f", q.StaleIfError.Seconds()))
	}
	if len(cc) > 0 {
		r.header.Set("Cache-Control", strings.Join(cc, ", "))
	}
}

// setWriteOptions adds w's parameters to r. A nil w changes nothing.
func (r *request) setWriteOptions(w *WriteOptions) {
	if w == nil {
		return
	}
	if w.Namespace != "" {
		r.params.Set("ns", w.Namespace)
	}
	if w.Partition != "" {
		r.params.Set("partition", w.Partition)
	}
	if w.Datacenter != "" {
		r.params.Set("dc", w.Datacenter)
	}
	if w.Token != "" {
		r.header.Set("X-Consul-Token", w.Token)
	}
	if w.RelayFactor != 0 {
		r.params.Set("relay-factor", strconv.Itoa(int(w.RelayFactor)))
	}
	r.ctx = w.ctx
}

// filter sets ?filter= when expr is not empty.
func (r *request) filter(expr string) {
	if expr != "" {
		r.params.Set("filter", expr)
	}
}

// durToMsec renders d as whole milliseconds ("1500ms"); a positive d under
// a millisecond rounds up to 1ms so it is not taken as "no wait".
func durToMsec(d time.Duration) string {
	ms := d / time.Millisecond
	if d > 0 && ms == 0 {
		ms = 1
	}
	return strconv.FormatInt(int64(ms), 10) + "ms"
}

// parseQueryMeta reads the X-Consul-* headers into q. Missing headers leave
// their fields zero; a header that is present but malformed is an error.
func parseQueryMeta(h http.Header, q *QueryMeta) error {
	if v := h.Get("X-Consul-Index"); v != "" {
		idx, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("parse X-Consul-Index: %w", err)
		}
		q.LastIndex = idx
	}
	q.LastContentHash = h.Get("X-Consul-ContentHash")
	if v := h.Get("X-Consul-LastContact"); v != "" {
		d, err := parseUnits(v, time.Millisecond)
		if err != nil {
			return fmt.Errorf("parse X-Consul-LastContact: %w", err)
		}
		q.LastContact = d
	}
	q.KnownLeader = h.Get("X-Consul-KnownLeader") == "true"
	q.AddressTranslationEnabled = h.Get("X-Consul-Translate-Addresses") == "true"
	q.ResultsFilteredByACLs = h.Get("X-Consul-Results-Filtered-By-ACLs") == "true"
	if v := h.Get("X-Consul-Default-ACL-Policy"); v == "allow" || v == "deny" {
		q.DefaultACLPolicy = v
	}
	if v := h.Get("X-Consul-Query-Backend"); v == "streaming" || v == "blocking-query" {
		q.QueryBackend = v
	}
	if v := h.Get("X-Cache"); v != "" {
		q.CacheHit = strings.EqualFold(v, "HIT")
	}
	if v := h.Get("Age"); v != "" {
		d, err := parseUnits(v, time.Second)
		if err != nil {
			return fmt.Errorf("parse Age: %w", err)
		}
		q.CacheAge = d
	}
	return nil
}

// parseUnits parses a non-negative integer count of unit.
func parseUnits(s string, unit time.Duration) (time.Duration, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > uint64(math.MaxInt64/int64(unit)) {
		return 0, fmt.Errorf("value %d out of range", n)
	}
	return time.Duration(n) * unit, nil
}
