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

	Server          bool
	Bootstrap       bool
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
	RetryJoin           []string

	Services []ServiceDefinition
	Checks   []CheckDefinition
	// Watches are the watch definitions of the files, each checked by
	// watch.Parse (package api/watch); the agent runs them.
	Watches []map[string]any
}

// Ports are the listener ports. 0 picks a free port; -1 disables the
// listener.
type Ports struct {
	DNS, HTTP, HTTPS, GRPC   int
	SerfLAN, SerfWAN, Server int
	SidecarMin, SidecarMax   int
	ExposeMin, ExposeMax     int
}
