package api

import "context"

// AgentSelf is the reply of GET /v1/agent/self: sections ("Config",
// "DebugConfig", "Coord", "Member", "Stats", "Meta", "xDS") of free-form
// key/value pairs.
type AgentSelf map[string]map[string]any

// AgentWeights are the DNS SRV weights of a service by health state.
type AgentWeights struct {
	Passing int
	Warning int
}

// ServiceAddress is one entry of a service's tagged addresses.
type ServiceAddress struct {
	Address string
	Port    int
}

// AgentService is a service as the agent (and the catalog, inside
// CatalogNode and ServiceEntry) returns it.
type AgentService struct {
	Kind              ServiceKind `json:",omitempty"`
	ID                string
	Service           string
	Tags              []string
	Meta              map[string]string
	Port              int
	Ports             ServicePorts `json:",omitempty"`
	Address           string
	SocketPath        string                    `json:",omitempty"`
	TaggedAddresses   map[string]ServiceAddress `json:",omitempty"`
	Weights           AgentWeights
	EnableTagOverride bool
	CreateIndex       uint64                          `json:",omitempty"`
	ModifyIndex       uint64                          `json:",omitempty"`
	ContentHash       string                          `json:",omitempty"`
	Proxy             *AgentServiceConnectProxyConfig `json:",omitempty"`
	Connect           *AgentServiceConnect            `json:",omitempty"`
	PeerName          string                          `json:",omitempty"`
	Namespace         string                          `json:",omitempty"`
	Partition         string                          `json:",omitempty"`
	Datacenter        string                          `json:",omitempty"`
	Locality          *Locality                       `json:",omitempty"`
}

// AgentCheck is a check as GET /v1/agent/checks returns it.
type AgentCheck struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	Interval    string
	Timeout     string
	ExposedPort int
	Definition  HealthCheckDefinition
	Namespace   string `json:",omitempty"`
	Partition   string `json:",omitempty"`
}

// AgentServiceChecksInfo is one service with its checks, from the agent's
// local health endpoints.
type AgentServiceChecksInfo struct {
	AggregatedStatus string
	Service          *AgentService
	Checks           HealthChecks
}

// Gossip member tags and their well-known values.
const (
	MemberTagKeyRole         = "role"
	MemberTagValueRoleServer = "consul"
	MemberTagValueRoleClient = "node"
	MemberTagKeyDatacenter   = "dc"
	MemberTagKeySegment      = "segment"
	MemberTagKeyPartition    = "ap"
	MemberTagKeyBuild        = "build"
	MemberTagKeyVersion      = "vsn"
	MemberTagKeyACLMode      = "acls"
)

// AllSegments asks /v1/agent/members for every network segment.
const AllSegments = "_all"

// AgentMember is one gossip pool member.
type AgentMember struct {
	Name string
	Addr string
	Port uint16
	Tags map[string]string
	// Status is the gossip state: 0 none, 1 alive, 2 leaving, 3 left,
	// 4 failed.
	Status      int
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

// IsConsulServer reports whether the member is a server.
func (m *AgentMember) IsConsulServer() bool {
	return m.Tags[MemberTagKeyRole] == MemberTagValueRoleServer
}

// MembersOpts selects which members /v1/agent/members lists.
type MembersOpts struct {
	WAN     bool   // the WAN pool instead of the LAN pool
	Segment string // a network segment (Enterprise); AllSegments for all
	Filter  string // a filter expression over the members
}

// AgentServiceRegistration is the body of PUT /v1/agent/service/register.
type AgentServiceRegistration struct {
	Kind              ServiceKind               `json:",omitempty"`
	ID                string                    `json:",omitempty"`
	Name              string                    `json:",omitempty"`
	Tags              []string                  `json:",omitempty"`
	Port              int                       `json:",omitempty"`
	Ports             ServicePorts              `json:",omitempty"`
	Address           string                    `json:",omitempty"`
	SocketPath        string                    `json:",omitempty"`
	TaggedAddresses   map[string]ServiceAddress `json:",omitempty"`
	EnableTagOverride bool                      `json:",omitempty"`
	Meta              map[string]string         `json:",omitempty"`
	Weights           *AgentWeights             `json:",omitempty"`
	Check             *AgentServiceCheck
	Checks            AgentServiceChecks
	Proxy             *AgentServiceConnectProxyConfig `json:",omitempty"`
	Connect           *AgentServiceConnect            `json:",omitempty"`
	Namespace         string                          `json:",omitempty"`
	Partition         string                          `json:",omitempty"`
	Locality          *Locality                       `json:",omitempty"`
}

// ServiceRegisterOpts tunes Agent.ServiceRegisterOpts.
type ServiceRegisterOpts struct {
	// ReplaceExistingChecks removes the service's checks that the new
	// definition does not list (?replace-existing-checks).
	ReplaceExistingChecks bool
	// Token overrides the client's ACL token for this call.
	Token string

	ctx context.Context
}

// WithContext returns a copy of o that carries ctx.
func (o ServiceRegisterOpts) WithContext(ctx context.Context) ServiceRegisterOpts {
	o.ctx = ctx
	return o
}

// AgentServiceCheck is a check inside a service registration, and the check
// part of AgentCheckRegistration. Durations are Go duration strings.
type AgentServiceCheck struct {
	CheckID                        string              `json:",omitempty"`
	Name                           string              `json:",omitempty"`
	Args                           []string            `json:"ScriptArgs,omitempty"`
	DockerContainerID              string              `json:",omitempty"`
	Shell                          string              `json:",omitempty"`
	Interval                       string              `json:",omitempty"`
	Timeout                        string              `json:",omitempty"`
	TTL                            string              `json:",omitempty"`
	HTTP                           string              `json:",omitempty"`
	Header                         map[string][]string `json:",omitempty"`
	Method                         string              `json:",omitempty"`
	Body                           string              `json:",omitempty"`
	DisableRedirects               bool                `json:",omitempty"`
	TCP                            string              `json:",omitempty"`
	TCPUseTLS                      bool                `json:",omitempty"`
	UDP                            string              `json:",omitempty"`
	Status                         string              `json:",omitempty"`
	Notes                          string              `json:",omitempty"`
	TLSServerName                  string              `json:",omitempty"`
	TLSSkipVerify                  bool                `json:",omitempty"`
	GRPC                           string              `json:",omitempty"`
	GRPCUseTLS                     bool                `json:",omitempty"`
	H2PING                         string              `json:",omitempty"`
	H2PingUseTLS                   bool                `json:",omitempty"`
	OSService                      string              `json:",omitempty"`
	AliasNode                      string              `json:",omitempty"`
	AliasService                   string              `json:",omitempty"`
	SuccessBeforePassing           int                 `json:",omitempty"`
	FailuresBeforeWarning          int                 `json:",omitempty"`
	FailuresBeforeCritical         int                 `json:",omitempty"`
	OutputMaxSize                  int                 `json:",omitempty"`
	DeregisterCriticalServiceAfter string              `json:",omitempty"`
}

// AgentServiceChecks are the `checks` of a service registration.
type AgentServiceChecks []*AgentServiceCheck

// AgentCheckRegistration is the body of PUT /v1/agent/check/register. The
// outer ID, Name and Notes win over the embedded check's.
type AgentCheckRegistration struct {
	ID        string `json:",omitempty"`
	Name      string `json:",omitempty"`
	Notes     string `json:",omitempty"`
	ServiceID string `json:",omitempty"`
	AgentServiceCheck
	Namespace string `json:",omitempty"`
	Partition string `json:",omitempty"`
}

// AgentToken is the body of PUT /v1/agent/token/:name.
type AgentToken struct {
	Token string
}

// CheckUpdate is the body of PUT /v1/agent/check/update/:id: a TTL
// check's new status (passing, warning or critical) and output.
type CheckUpdate struct {
	Status string
	Output string
}
