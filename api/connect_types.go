package api

// ServiceKind says what a service is: a typical service ("") or a proxy or
// gateway managed by the mesh.
type ServiceKind string

// The service kinds.
const (
	ServiceKindTypical            ServiceKind = ""
	ServiceKindConnectProxy       ServiceKind = "connect-proxy"
	ServiceKindMeshGateway        ServiceKind = "mesh-gateway"
	ServiceKindTerminatingGateway ServiceKind = "terminating-gateway"
	ServiceKindIngressGateway     ServiceKind = "ingress-gateway"
	ServiceKindAPIGateway         ServiceKind = "api-gateway"
)

// UpstreamDestType is what an upstream points at.
type UpstreamDestType string

// The upstream destination types; "" means service.
const (
	UpstreamDestTypeService       UpstreamDestType = "service"
	UpstreamDestTypePreparedQuery UpstreamDestType = "prepared_query"
)

// ProxyMode is how traffic reaches a proxy.
type ProxyMode string

// The proxy modes; "" inherits from central config.
const (
	ProxyModeDefault     ProxyMode = ""
	ProxyModeTransparent ProxyMode = "transparent"
	ProxyModeDirect      ProxyMode = "direct"
)

// MeshGatewayMode says whether traffic to another datacenter goes through a
// mesh gateway, and which one.
type MeshGatewayMode string

// The mesh gateway modes; "" inherits.
const (
	MeshGatewayModeDefault MeshGatewayMode = ""
	MeshGatewayModeNone    MeshGatewayMode = "none"
	MeshGatewayModeLocal   MeshGatewayMode = "local"
	MeshGatewayModeRemote  MeshGatewayMode = "remote"
)

// MeshGatewayConfig is a `mesh_gateway {}` block.
type MeshGatewayConfig struct {
	Mode MeshGatewayMode `json:",omitempty"`
}

// TransparentProxyConfig tunes transparent-proxy mode.
type TransparentProxyConfig struct {
	// OutboundListenerPort is where redirected outbound traffic lands
	// (15001 when zero).
	OutboundListenerPort int `json:",omitempty"`
	// DialedDirectly lets clients dial this service's instances by IP.
	DialedDirectly bool `json:",omitempty"`
}

// ExposeConfig exposes HTTP paths of the local service through the proxy
// without mTLS, for health checks and metrics.
type ExposeConfig struct {
	// Checks exposes every HTTP and gRPC check of the service.
	Checks bool `json:",omitempty"`
	// Paths are extra paths to expose.
	Paths []ExposePath `json:",omitempty"`
}

// ExposePath is one exposed path.
type ExposePath struct {
	ListenerPort    int    `json:",omitempty"`
	Path            string `json:",omitempty"`
	LocalPathPort   int    `json:",omitempty"`
	Protocol        string `json:",omitempty"` // "http" or "http2"
	ParsedFromCheck bool   // set by the agent for paths made from checks
}

// EnvoyExtension names an Envoy extension and its arguments.
type EnvoyExtension struct {
	Name          string
	Required      bool
	Arguments     map[string]any
	ConsulVersion string
	EnvoyVersion  string
}

// LogSinkType is where Envoy access logs go.
type LogSinkType string

// The access log sinks; "" is the default (stdout).
const (
	DefaultLogSinkType LogSinkType = ""
	FileLogSinkType    LogSinkType = "file"
	StdErrLogSinkType  LogSinkType = "stderr"
	StdOutLogSinkType  LogSinkType = "stdout"
)

// AccessLogsConfig turns on Envoy access logs for a proxy.
type AccessLogsConfig struct {
	Enabled             bool        `json:",omitempty"`
	DisableListenerLogs bool        `json:",omitempty"`
	Type                LogSinkType `json:",omitempty"`
	Path                string      `json:",omitempty"`
	JSONFormat          string      `json:",omitempty"`
	TextFormat          string      `json:",omitempty"`
}

// AgentServiceConnectProxyConfig is the `proxy {}` block of a
// connect-proxy or gateway service.
type AgentServiceConnectProxyConfig struct {
	EnvoyExtensions        []EnvoyExtension        `json:",omitempty"`
	DestinationServiceName string                  `json:",omitempty"`
	DestinationServiceID   string                  `json:",omitempty"`
	LocalServiceAddress    string                  `json:",omitempty"`
	LocalServicePort       int                     `json:",omitempty"`
	LocalServiceSocketPath string                  `json:",omitempty"`
	Mode                   ProxyMode               `json:",omitempty"`
	TransparentProxy       *TransparentProxyConfig `json:",omitempty"`
	Config                 map[string]any          `json:",omitempty"`
	Upstreams              []Upstream              `json:",omitempty"`
	MeshGateway            MeshGatewayConfig       // always sent, {} when empty
	Expose                 ExposeConfig            // always sent, {} when empty
	AccessLogs             *AccessLogsConfig       `json:",omitempty"`
}

// AgentServiceConnect is the `connect {}` block of a service.
type AgentServiceConnect struct {
	// Native marks a service that speaks mTLS itself.
	Native bool `json:",omitempty"`
	// SidecarService registers a sidecar proxy along with the service.
	SidecarService *AgentServiceRegistration `json:",omitempty"`
}

// Upstream is one service or prepared query a proxy connects to.
type Upstream struct {
	DestinationType      UpstreamDestType `json:",omitempty"`
	DestinationPartition string           `json:",omitempty"`
	DestinationNamespace string           `json:",omitempty"`
	DestinationPeer      string           `json:",omitempty"`
	DestinationName      string
	Datacenter           string            `json:",omitempty"`
	LocalBindAddress     string            `json:",omitempty"`
	LocalBindPort        int               `json:",omitempty"`
	LocalBindSocketPath  string            `json:",omitempty"`
	LocalBindSocketMode  string            `json:",omitempty"`
	Config               map[string]any    `json:",omitempty"`
	MeshGateway          MeshGatewayConfig // always sent
	CentrallyConfigured  bool              `json:",omitempty"`
}

// Locality places a node or service in a region and zone.
type Locality struct {
	Region string
	Zone   string
}

// ServicePort is one named port of a multi-port service.
type ServicePort struct {
	Name    string
	Port    int
	Default bool
}

// ServicePorts are the named ports of a multi-port service.
type ServicePorts []ServicePort
