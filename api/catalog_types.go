package api

// Weights are a catalog service's DNS SRV weights by health state.
type Weights struct {
	Passing int
	Warning int
}

// Node is a catalog node.
type Node struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
	CreateIndex     uint64
	ModifyIndex     uint64
	Partition       string    `json:",omitempty"`
	PeerName        string    `json:",omitempty"`
	Locality        *Locality `json:",omitempty"`
}

// CatalogService is one instance of a service, flattened with its node, as
// GET /v1/catalog/service/:name returns it. An empty ServiceAddress means
// the node's Address.
type CatalogService struct {
	ID                       string
	Node                     string
	Address                  string
	Datacenter               string
	TaggedAddresses          map[string]string
	NodeMeta                 map[string]string
	ServiceKind              ServiceKind
	ServiceID                string
	ServiceName              string
	ServiceAddress           string
	ServiceTaggedAddresses   map[string]ServiceAddress
	ServiceTags              []string
	ServiceMeta              map[string]string
	ServicePort              int
	ServiceSocketPath        string `json:",omitempty"`
	ServiceWeights           Weights
	ServiceEnableTagOverride bool
	ServiceProxy             *AgentServiceConnectProxyConfig
	ServiceConnect           AgentServiceConnect
	ServiceLocality          *Locality    `json:",omitempty"`
	Checks                   HealthChecks // not filled by Pylon; kept for Consul's client
	PeerName                 string       `json:",omitempty"`
	Namespace                string       `json:",omitempty"`
	Partition                string       `json:",omitempty"`
	CreateIndex              uint64
	ModifyIndex              uint64
}

// CatalogNode is a node with its services keyed by service ID, as
// GET /v1/catalog/node/:node returns it.
type CatalogNode struct {
	Node     *Node
	Services map[string]*AgentService
}

// CatalogNodeServiceList is a node with a list of its services, as
// GET /v1/catalog/node-services/:node returns it.
type CatalogNodeServiceList struct {
	Node     *Node
	Services []*AgentService
}

// CatalogRegistration is the body of PUT /v1/catalog/register: a node and,
// optionally, one service and some checks, written in one transaction.
type CatalogRegistration struct {
	ID              string
	Node            string
	Address         string
	TaggedAddresses map[string]string
	NodeMeta        map[string]string
	Datacenter      string
	Service         *AgentService
	Check           *AgentCheck
	Checks          HealthChecks
	SkipNodeUpdate  bool
	Partition       string    `json:",omitempty"`
	Locality        *Locality `json:",omitempty"`
}

// CatalogDeregistration is the body of PUT /v1/catalog/deregister. With
// only Node set the whole node goes; with ServiceID or CheckID only that.
type CatalogDeregistration struct {
	Node       string
	Address    string `json:",omitempty"` // ignored; kept for old clients
	Datacenter string
	ServiceID  string
	CheckID    string
	Namespace  string `json:",omitempty"`
	Partition  string `json:",omitempty"`
}
