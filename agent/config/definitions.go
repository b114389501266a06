package config

import "time"

// ServiceDefinition is one service as written in a config file (`service {}`
// or an entry of `services = [...]`) or in the body of
// PUT /v1/agent/service/register. Zero values mean "not set"; defaults
// (ID = Name, sidecar ports, check IDs) are filled by the agent.
type ServiceDefinition struct {
	Kind              string
	ID                string
	Name              string
	Tags              []string
	Address           string
	Port              int
	SocketPath        string
	Meta              map[string]string
	TaggedAddresses   map[string]ServiceAddress
	Weights           *Weights // nil means the default {Passing: 1, Warning: 1}
	EnableTagOverride bool
	Token             string
	Checks            []CheckDefinition `cfg:"check"` // `check` and `checks` merged, in file order
	Connect           *ServiceConnect
	Proxy             *ProxyConfig
	Locality          *Locality
}

// ServiceAddress is one entry of `tagged_addresses`.
type ServiceAddress struct {
	Address string
	Port    int
}

// Weights are the SRV weights by health state.
type Weights struct {
	Passing int
	Warning int
}

// Locality places a service in a region and zone.
type Locality struct {
	Region string
	Zone   string
}

// ServiceConnect is the `connect {}` block of a service.
type ServiceConnect struct {
	Native         bool
	SidecarService *ServiceDefinition // expanded by the agent into a connect-proxy registration
}

// ProxyConfig is the `proxy {}` block of a connect-proxy or gateway service.
type ProxyConfig struct {
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

// MeshGatewayConfig is a `mesh_gateway {}` block.
type MeshGatewayConfig struct {
	Mode string
}

// Upstream is one entry of `proxy { upstreams = [...] }`.
type Upstream struct {
	DestinationType      string
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
}

// ExposeConfig is a proxy's `expose {}` block.
type ExposeConfig struct {
	Checks bool
	Paths  []ExposePath
}

// ExposePath is one entry of `expose { paths = [...] }`.
type ExposePath struct {
	ListenerPort  int
	Path          string
	LocalPathPort int
	Protocol      string
}

// CheckDefinition is one check as written in a config file (`check {}`,
// `checks = [...]`, or inside a service) or in the body of
// PUT /v1/agent/check/register. The field that is set (HTTP, TCP, TTL ...)
// selects the check type.
type CheckDefinition struct {
	ID        string `cfg:"check_id"`
	Name      string
	Notes     string
	ServiceID string
	Token     string
	Status    string // initial status; empty means critical

	ScriptArgs        []string `cfg:"args"`
	HTTP              string
	Header            map[string][]string
	Method            string
	Body              string
	DisableRedirects  bool
	TLSServerName     string
	TLSSkipVerify     bool
	TCP               string
	TCPUseTLS         bool
	UDP               string
	GRPC              string
	GRPCUseTLS        bool
	H2PING            string
	H2PingUseTLS      bool
	OSService         string
	AliasNode         string
	AliasService      string
	DockerContainerID string
	Shell             string

	TTL                            time.Duration
	Interval                       time.Duration
	Timeout                        time.Duration
	DeregisterCriticalServiceAfter time.Duration

	SuccessBeforePassing   int
	FailuresBeforeWarning  int
	FailuresBeforeCritical int
	OutputMaxSize          int // 0 means the default of 4096 bytes
}

// Type names the kind of check the definition describes: "script", "http",
// "tcp", "udp", "grpc", "h2ping", "ttl", "alias", "docker", "os_service", or
// "" when no type field is set.
func (c *CheckDefinition) Type() string {
	switch {
	case c.DockerContainerID != "":
		return "docker"
	case len(c.ScriptArgs) > 0:
		return "script"
	case c.HTTP != "":
		return "http"
	case c.TCP != "":
		return "tcp"
	case c.UDP != "":
		return "udp"
	case c.GRPC != "":
		return "grpc"
	case c.H2PING != "":
		return "h2ping"
	case c.TTL > 0:
		return "ttl"
	case c.AliasNode != "" || c.AliasService != "":
		return "alias"
	case c.OSService != "":
		return "os_service"
	}
	return ""
}
