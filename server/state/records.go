package state

import "time"

// RaftIndex records the Raft indexes at which a record was created and last
// modified. Blocking queries compare against ModifyIndex.
type RaftIndex struct {
	CreateIndex uint64
	ModifyIndex uint64
}

// Node is one node of the catalog: a machine that runs an agent, or an
// external node registered through the catalog API.
type Node struct {
	ID              string // UUID, may be empty for external nodes
	Node            string // unique name, the primary key
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
	RaftIndex
}

// Weights are the DNS SRV weights of a service instance by health state.
type Weights struct {
	Passing int
	Warning int
}

// ServiceAddress is one entry of a service's tagged addresses.
type ServiceAddress struct {
	Address string
	Port    int
}

// MeshGatewayConfig selects how a proxy reaches other datacenters.
type MeshGatewayConfig struct {
	Mode string // "", "none", "local" or "remote"
}

// Upstream is one destination a proxy binds locally.
type Upstream struct {
	DestinationType      string // "service" (default) or "prepared_query"
	DestinationNamespace string
	DestinationPartition string
	DestinationPeer      string
	DestinationName      string
	Datacenter           string
	LocalBindAddress     string
	LocalBindPort        int
	LocalBindSocketPath  string
	LocalBindSocketMode  string
	Config               map[string]any
	MeshGateway          MeshGatewayConfig
	CentrallyConfigured  bool
}

// ExposePath is one HTTP path a proxy exposes without mTLS.
type ExposePath struct {
	ListenerPort    int
	Path            string
	LocalPathPort   int
	Protocol        string
	ParsedFromCheck bool
}

// ExposeConfig lists the paths a proxy exposes without mTLS.
type ExposeConfig struct {
	Checks bool
	Paths  []ExposePath
}

// Proxy is the proxy configuration of a connect-proxy or gateway service.
type Proxy struct {
	DestinationServiceName string
	DestinationServiceID   string
	LocalServiceAddress    string
	LocalServicePort       int
	LocalServiceSocketPath string
	Mode                   string
	Config                 map[string]any
	Upstreams              []Upstream
	MeshGateway            MeshGatewayConfig
	Expose                 ExposeConfig
}

// ServiceConnect is the Connect configuration of a service.
type ServiceConnect struct {
	Native bool
}

// Service kinds.
const (
	KindTypical            = ""
	KindConnectProxy       = "connect-proxy"
	KindMeshGateway        = "mesh-gateway"
	KindIngressGateway     = "ingress-gateway"
	KindTerminatingGateway = "terminating-gateway"
	KindAPIGateway         = "api-gateway"
)

// Service is one service instance registered on a node.
type Service struct {
	Node              string // owning node name
	ID                string // unique per node
	Name              string
	Kind              string
	Tags              []string
	Address           string // empty means "use the node's address"
	Port              int
	SocketPath        string
	TaggedAddresses   map[string]ServiceAddress
	Meta              map[string]string
	Weights           Weights
	EnableTagOverride bool
	Proxy             Proxy // meaningful for connect-proxy and gateway kinds
	Connect           ServiceConnect
	RaftIndex
}

// Check statuses.
const (
	HealthPassing  = "passing"
	HealthWarning  = "warning"
	HealthCritical = "critical"
	HealthMaint    = "maintenance"
	HealthAny      = "any"
)

// CheckDefinition is the part of a check's definition the catalog keeps,
// so readers can see what a check does.
type CheckDefinition struct {
	HTTP                           string
	TLSServerName                  string
	TLSSkipVerify                  bool
	Header                         map[string][]string
	Method                         string
	Body                           string
	DisableRedirects               bool
	TCP                            string
	TCPUseTLS                      bool
	UDP                            string
	H2PING                         string
	H2PingUseTLS                   bool
	GRPC                           string
	GRPCUseTLS                     bool
	OSService                      string
	Interval                       time.Duration
	Timeout                        time.Duration
	DeregisterCriticalServiceAfter time.Duration
}

// HealthCheck is one check of a node (ServiceID empty) or of a service
// instance on it.
type HealthCheck struct {
	Node        string
	CheckID     string // unique per node
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string // "http", "tcp", "ttl", "script", "grpc", "alias", "udp", "h2ping", "serf", "maintenance", ""
	ExposedPort int
	Interval    string
	Timeout     string
	Definition  CheckDefinition
	RaftIndex
}

// Registration is one atomic catalog write: a node, optionally one service
// on it and any number of checks, applied in a single transaction.
type Registration struct {
	Node           Node
	SkipNodeUpdate bool // leave an existing node's address and meta alone
	Service        *Service
	Checks         []*HealthCheck
}

// Deregistration removes a whole node (ServiceID and CheckID empty), one
// service with its checks, or one check.
type Deregistration struct {
	Node      string
	ServiceID string
	CheckID   string
}

// ServiceNode is a service instance joined with its node.
type ServiceNode struct {
	Node    *Node
	Service *Service
}

// CheckServiceNode is a service instance joined with its node and every
// check that bears on its health (the node's checks and its own).
type CheckServiceNode struct {
	Node    *Node
	Service *Service
	Checks  []*HealthCheck
}
