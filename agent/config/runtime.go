package config

import (
	"time"

	"github.com/pylonmesh/pylon/dns"
)

// Runtime is the validated configuration an agent runs with. It is built
// once per load and never changed; a reload builds a new one.
type Runtime struct {
	NodeName   string
	NodeID     string // "" lets the agent generate (and keep) one
	Datacenter string
	DataDir    string // "" only in -dev mode
	DevMode    bool

	Server    bool
	Bootstrap bool // self-elect as a single server (-bootstrap)
	// BootstrapExpect is how many servers to wait for over gossip before
	// the first election (0: do not wait; servers only, not with
	// Bootstrap nor in -dev mode). 1 means the same as Bootstrap.
	BootstrapExpect int

	BindAddr         string   // IP the cluster listeners bind to
	AdvertiseAddr    string   // IP other nodes reach this one on
	AdvertiseAddrWAN string   // IP other datacenters reach this one on
	ClientAddrs      []string // IPs of the client listeners (HTTP, DNS, gRPC)
	HTTPAddrs        []string // addresses.http, default ClientAddrs
	DNSAddrs         []string // addresses.dns, default ClientAddrs
	Ports            Ports

	LogLevel   string // trace, debug, info, warn or error
	LogJSON    bool
	UIEnabled  bool
	PrettyJSON bool // pretty-print every HTTP response, not only ?pretty

	EnableScriptChecks      bool
	EnableDebug             bool // serve /debug/pprof/ on the HTTP API
	EnableLocalScriptChecks bool
	NodeMeta                map[string]string

	DefaultQueryTime    time.Duration // blocking query wait when none is given
	MaxQueryTime        time.Duration // cap on a blocking query's wait
	CheckUpdateInterval time.Duration // how long an output-only check change may wait to sync
	SessionTTLMin       time.Duration // shortest session TTL accepted (0: the server's 10s)

	// Raft snapshots (0: the server's defaults of 16384 entries, 30s,
	// 10240 trailing entries).
	RaftSnapshotThreshold int
	RaftSnapshotInterval  time.Duration
	RaftTrailingLogs      int

	HTTPResponseHeaders map[string]string
	DNS                 dns.Config

	// Connection caps per client address (0: none): open connections to
	// the HTTP API, and to a server's port; RPCHandshakeTimeout bounds the
	// wait for a new server-port connection's protocol byte.
	HTTPMaxConnsPerClient int
	RPCMaxConnsPerClient  int
	RPCHandshakeTimeout   time.Duration
	// Largest KV value and transaction body the HTTP API takes, in bytes.
	KVMaxValueSize, TxnMaxReqLen int
	// A client agent's calls to the servers: RPCRate per second on average
	// (+Inf: no limit), in bursts of up to RPCMaxBurst.
	RPCRate     float64
	RPCMaxBurst int
	// A server's limits on the requests that enter the cluster through it
	// (limits.request_limits): the mode ("disabled", "permissive" or
	// "enforcing") and reads and writes per second (+Inf: no limit).
	RequestLimitsMode                             string
	RequestLimitsReadRate, RequestLimitsWriteRate float64

	// Joining the LAN pool. StartJoin addresses are joined once at start;
	// when none answers the agent fails to start, unless RetryJoin is set
	// too. RetryJoin addresses are tried in order every RetryInterval
	// (default 30s) until one answers, at most RetryMax rounds (0:
	// forever). Addresses are host, host:port or [IPv6]:port.
	StartJoin     []string
	RetryJoin     []string
	RetryInterval time.Duration
	RetryMax      int
	// Joining the WAN pool of servers, as the LAN fields (servers only).
	StartJoinWAN     []string
	RetryJoinWAN     []string
	RetryIntervalWAN time.Duration
	RetryMaxWAN      int

	// Gossip. EncryptKey is the base64 gossip key (16, 24 or 32 bytes;
	// "": no encryption). EncryptVerifyIncoming and EncryptVerifyOutgoing
	// (default true) are turned off only while enabling encryption on a
	// running cluster. The bind addresses default to BindAddr.
	EncryptKey            string
	EncryptVerifyIncoming bool
	EncryptVerifyOutgoing bool
	SerfBindAddrLAN       string
	SerfBindAddrWAN       string
	// ReconnectTimeoutLAN and ReconnectTimeoutWAN are how long a failed
	// member is kept and retried before it is reaped (default 72h, at
	// least 8h).
	ReconnectTimeoutLAN time.Duration
	ReconnectTimeoutWAN time.Duration
	// GossipLAN and GossipWAN are gossip_lan and gossip_wan: timings that
	// replace the pools' defaults; zero fields keep them.
	GossipLAN, GossipWAN GossipTimings

	// Leaving. RejoinAfterLeave rejoins the pool's last members at start
	// even after a graceful leave. LeaveOnTerminate leaves gracefully on
	// SIGTERM (default: clients yes, servers no); SkipLeaveOnInterrupt
	// exits on SIGINT without leaving (default: servers yes, clients no).
	RejoinAfterLeave     bool
	LeaveOnTerminate     bool
	SkipLeaveOnInterrupt bool

	// RaftMultiplier scales the servers' Raft timings: 1 is the fastest,
	// 10 the most forgiving (default 5; 1 in -dev mode).
	RaftMultiplier int
	Autopilot      Autopilot

	ACL ACL

	Services []ServiceDefinition
	Checks   []CheckDefinition
	// Watches are the watch definitions of the files, each checked by
	// watch.Parse (package api/watch); the agent runs them.
	Watches []map[string]any
}

// Autopilot is how servers manage their Raft peers (autopilot { }).
type Autopilot struct {
	// CleanupDeadServers removes failed servers from Raft when a new
	// server joins, as long as a quorum is kept (default true).
	CleanupDeadServers bool
	// LastContactThreshold is the longest a server may go without hearing
	// from the leader and still count as healthy (default 200ms).
	LastContactThreshold time.Duration
	// MaxTrailingLogs is how many log entries a server may lag behind the
	// leader and still count as healthy (default 250).
	MaxTrailingLogs int
	// MinQuorum is the number of servers below which dead servers are not
	// removed (0: no floor).
	MinQuorum int
	// ServerStabilizationTime is how long a new server must be healthy
	// before it is promoted to voter (default 10s).
	ServerStabilizationTime time.Duration
}

// ACL is the acl { } block: whether tokens are enforced and how the agent
// resolves them.
type ACL struct {
	// Enabled turns enforcement on (default false: everything is allowed
	// and /v1/acl/* answers 401).
	Enabled bool
	// DefaultPolicy decides what no rule covers: "allow" (default) or
	// "deny".
	DefaultPolicy string
	// DownPolicy decides how tokens resolve when no server answers:
	// "allow", "deny", "extend-cache" (default: keep using cached
	// results) or "async-cache".
	DownPolicy string
	// EnableTokenPersistence keeps the tokens set through
	// /v1/agent/token in <DataDir>/acl-tokens.json, so that they survive
	// a restart.
	EnableTokenPersistence bool
	// TokenTTL, PolicyTTL and RoleTTL are how long an agent caches a
	// resolved token, policy or role (default 30s; 0 does not cache).
	TokenTTL, PolicyTTL, RoleTTL time.Duration
	Tokens                       ACLTokens
}

// ACLTokens are the secrets of acl.tokens { }; "" means unset.
type ACLTokens struct {
	InitialManagement string // made the first management token (servers)
	Agent             string // the agent's own catalog writes
	AgentRecovery     string // agent endpoints when no server answers
	Default           string // requests that carry no token
	Replication       string // ACL replication from the primary datacenter
	DNS               string // DNS lookups (then Default, then anonymous)
	// ConfigFileServiceRegistration registers the services of config
	// files that set no token.
	ConfigFileServiceRegistration string
}

// Ports are the listener ports. 0 picks a free port; -1 disables the
// listener.
type Ports struct {
	DNS, HTTP, HTTPS, GRPC   int
	SerfLAN, SerfWAN, Server int
	SidecarMin, SidecarMax   int
	ExposeMin, ExposeMax     int
}

// GossipTimings are a gossip pool's timings set in the config; a zero
// field keeps the pool's default.
type GossipTimings struct {
	GossipNodes    int
	GossipInterval time.Duration
	ProbeInterval  time.Duration
	ProbeTimeout   time.Duration
	SuspicionMult  int
	RetransmitMult int
}
