package httpapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/agent/userevent"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Catalog is the server side the API reads and writes: the state store for
// reads and blocking, Raft for writes and leadership facts.
type Catalog interface {
	Store() *state.Store
	Register(ctx context.Context, reg *state.Registration) (uint64, error)
	Deregister(ctx context.Context, d *state.Deregistration) (uint64, error)
	// PreparedQueryApply creates (setting q.ID), updates or deletes a
	// prepared query.
	PreparedQueryApply(ctx context.Context, op state.PreparedQueryOp, q *state.PreparedQuery) (uint64, error)
	// KVApply writes one KV operation; ok is the outcome of a CAS, lock
	// or unlock.
	KVApply(ctx context.Context, req *state.KVRequest) (ok bool, idx uint64, err error)
	// SessionCreate sets sess.ID.
	SessionCreate(ctx context.Context, sess *state.Session) (uint64, error)
	SessionDestroy(ctx context.Context, id string) (uint64, error)
	// SessionRenew returns nil for an unknown session.
	SessionRenew(ctx context.Context, id string) (*state.Session, error)
	// Txn applies a transaction all or nothing; a read-only one is served
	// without Raft.
	Txn(ctx context.Context, ops []state.TxnOp) ([]state.TxnResult, []state.TxnError, uint64, error)
	Snapshotter // snapshot.go
	Operator    // operator.go
	Leader() string
	Peers() ([]string, error)
	IsLeader() bool
	LastContact() time.Duration
	VerifyLeader(ctx context.Context) error
	ACLStore        // acl.go
	CoordinateStore // coordinate.go
}

// Agent is the local agent that /v1/agent endpoints act on.
type Agent interface {
	Local() *local.State
	Self() map[string]any
	Members(wan bool) []api.AgentMember
	// Datacenters lists the datacenters the agent knows of (its WAN
	// pool), its own first.
	Datacenters() []string
	// DatacenterCoordinates lists the WAN coordinates of every
	// datacenter's servers, in the order of Datacenters; nil when the
	// agent has no WAN pool.
	DatacenterCoordinates() []api.CoordinateDatacenterMap
	RegisterService(def *config.ServiceDefinition, token string, replaceChecks bool) error
	DeregisterService(id string) error
	RegisterCheck(def *config.CheckDefinition, token string) error
	DeregisterCheck(id string) error
	UpdateTTL(checkID, status, output string) error
	ServiceMaintenance(serviceID string, enable bool, reason, token string) error
	NodeMaintenance(enable bool, reason, token string) error
	Reload() error
	// FireEvent fires a user event, setting its ID and LTime.
	FireEvent(e *userevent.Event) error
	UserEvents() *userevent.Buffer
	// Gossip (the agent's gossip_ops.go). Members lists the pool in every
	// state; Leave leaves gracefully and shuts the agent down after the
	// answer; Keyring runs "list", "install", "use" or "remove" on the
	// WAN pool and every datacenter's LAN pool (the others' through one of
	// their servers, with token), or on this datacenter's LAN pool alone
	// when localOnly.
	Join(addr string, wan bool) error
	Leave() error
	ForceLeave(node string, prune, wan bool) error
	Keyring(ctx context.Context, op, key string, localOnly bool, token string) ([]*api.KeyringResponse, error)
	// Monitor streams the agent's log lines at level and above (as JSON
	// or text) until stop, which returns how many lines were lost.
	Monitor(level slog.Level, json bool) (lines <-chan []byte, stop func() int64)
	AgentTokens // acl_agent_token.go
}

// Config holds what the API needs to know about its agent.
type Config struct {
	Datacenter       string
	NodeName         string
	DefaultQueryTime time.Duration // wait when ?wait is absent (Consul: 5m)
	MaxQueryTime     time.Duration // cap on ?wait (Consul: 10m)
	PrettyJSON       bool          // indent every response (dev mode)
	ResponseHeaders  map[string]string
	// ParkBlockingQueries lets a blocking query that must wait give its
	// connection up to the parker (park.go) instead of holding a
	// goroutine; the answer then closes the connection.
	ParkBlockingQueries bool
	// ACLsEnabled is acl.enabled: off, /v1/acl/* and /v1/agent/token
	// answer 401 "ACL support disabled".
	ACLsEnabled bool
	// DefaultACLPolicy is acl.default_policy, shown to clients in
	// X-Consul-Default-ACL-Policy on reads; empty means "allow" (as with
	// ACLs off).
	DefaultACLPolicy string
	// EnableDebug is enable_debug: serve Go's profiles under /debug/pprof/.
	EnableDebug bool
	// KVMaxValueSize and TxnMaxReqLen are limits.kv_max_value_size and
	// limits.txn_max_req_len, in bytes; zero means Consul's 512 KiB.
	KVMaxValueSize, TxnMaxReqLen int
}

// Server is the HTTP API. Its Handler is safe for concurrent use.
type Server struct {
	cfg     Config
	catalog Catalog
	agent   Agent
	authz   func(token string) (acl.Authorizer, error)
	logger  *slog.Logger
	mux     *http.ServeMux
	cache   bodyCache
	parker  parker
	// forwarder answers the requests that need a server, on a client
	// agent (forward.go); nil on a server agent.
	forwarder Forwarder
	// healthViews answers ?cached health reads (health_cached.go); nil
	// serves them as any read.
	healthViews HealthViews
	// defaultPolicy is what X-Consul-Default-ACL-Policy says; a reload
	// may change it (SetDefaultACLPolicy).
	defaultPolicy atomic.Pointer[string]
}

// SetDefaultACLPolicy changes the policy reads report in
// X-Consul-Default-ACL-Policy ("" reports "allow"), after a reload.
func (s *Server) SetDefaultACLPolicy(policy string) {
	policy = cmp.Or(policy, "allow")
	s.defaultPolicy.Store(&policy)
}

// New builds the API over its collaborators. authz resolves a request's
// token; nil means ACLs are disabled (allow all).
func New(cfg Config, cat Catalog, ag Agent, authz func(string) (acl.Authorizer, error), logger *slog.Logger) *Server {
	if authz == nil {
		authz = func(string) (acl.Authorizer, error) { return acl.AllowAll(), nil }
	}
	if cfg.DefaultQueryTime <= 0 {
		cfg.DefaultQueryTime = 5 * time.Minute
	}
	if cfg.MaxQueryTime <= 0 {
		cfg.MaxQueryTime = 10 * time.Minute
	}
	s := &Server{cfg: cfg, catalog: cat, agent: ag, authz: authz, logger: logger}
	s.SetDefaultACLPolicy(cfg.DefaultACLPolicy)
	s.mux = s.routes()
	return s
}

// Close ends the parked blocking queries, closing their connections. Call
// it when the HTTP server shuts down: parked connections are no longer
// the http.Server's.
func (s *Server) Close() { s.parker.close() }

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP adds the configured response headers and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range s.cfg.ResponseHeaders {
		w.Header().Set(k, v)
	}
	resolveNearAgent(r, s.cfg.NodeName) // coordinate_near.go
	if s.forwarder != nil && !servedLocally(r.URL.Path) && !s.servesCachedHealth(r) && s.forwarder.ForwardHTTP(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}
