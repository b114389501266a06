package dns

import (
	"net/netip"
	"time"
)

// Catalog is what the DNS server reads to answer a query. The agent satisfies
// it from its push-updated views, so every method is a memory lookup; it must
// be safe for concurrent use and should not block.
//
// Names (service, node) are passed in lower case and datacenters are always
// given (the server fills in its own when a query names none); a Catalog
// matches names case-insensitively, as Consul's catalog does.
//
// Returned slices and the maps inside the records are read-only for the
// server: it never modifies them and keeps no reference after the query, so
// an implementation should return shared, immutable snapshots that it swaps
// atomically on change rather than copies.
type Catalog interface {
	// ServiceInstances returns every instance of service in dc, each joined
	// with its node and carrying its aggregated health. The server does the
	// health, tag and ACL filtering. An unknown service or datacenter gives
	// nil.
	ServiceInstances(dc, service string) []Instance

	// ConnectInstances returns the mesh endpoints of service in dc: the
	// connect proxies whose destination is service, and the instances of
	// service that are connect-native.
	ConnectInstances(dc, service string) []Instance

	// Node returns the node called name in dc.
	Node(dc, name string) (Node, bool)

	// NodeByAddress returns a node of dc whose address is addr, for reverse
	// (PTR) lookups. addr is unmapped: an IPv4-mapped IPv6 address arrives
	// as IPv4, so compare parsed addresses after netip.Addr.Unmap.
	NodeByAddress(dc string, addr netip.Addr) (Node, bool)

	// ServicesByAddress returns the instances in dc whose own service address
	// (not the node's) is addr, for reverse lookups.
	ServicesByAddress(dc string, addr netip.Addr) []Instance
}

// Aggregated health states of an instance, as Consul names them. An
// instance is as healthy as the worst of its node's and its own checks.
const (
	StatusPassing     = "passing"
	StatusWarning     = "warning"
	StatusCritical    = "critical"
	StatusMaintenance = "maintenance"
)

// Node is a catalog node as DNS needs it.
type Node struct {
	Name            string
	Address         string // an IP, or a hostname answered with a CNAME
	Datacenter      string
	TaggedAddresses map[string]string // "lan", "wan", ...
	Meta            map[string]string // answered as TXT records
}

// ServiceAddr is one tagged address of a service.
type ServiceAddr struct {
	Address string
	Port    int
}

// Weights are the SRV weights of an instance by its health. A zero Weights
// means the default, 1 for both.
type Weights struct {
	Passing int
	Warning int
}

// Instance is one service instance joined with its node.
type Instance struct {
	Node            Node
	ServiceID       string
	ServiceName     string
	Kind            string // "" for a typical service, "connect-proxy", ...
	Tags            []string
	Address         string // "" means the node's address
	Port            int
	TaggedAddresses map[string]ServiceAddr // "lan", "wan", ...
	Weights         Weights
	Status          string // StatusPassing, StatusWarning, StatusCritical or StatusMaintenance
}

// PreparedQueryCatalog is implemented by a Catalog that can run prepared
// queries. Without it, <name>.query lookups answer NXDOMAIN.
type PreparedQueryCatalog interface {
	// PreparedQuery executes the query named (or with the ID) req.Name.
	// found is false when no such query exists.
	PreparedQuery(req PreparedQueryRequest) (res PreparedQueryResult, found bool)
}

// PreparedQueryRequest is a prepared query lookup coming from DNS.
type PreparedQueryRequest struct {
	Datacenter string     // the datacenter named in the query, or the local one
	Name       string     // query name or ID, lower case
	Agent      string     // the node this server runs on (Config.NodeName), for Near "_agent"
	Source     netip.Addr // the client's address, for Near "_ip"; invalid when unknown
}

// PreparedQueryResult is the outcome of a prepared query. The server answers
// Instances in the given order (the query has already filtered and sorted
// them), applying only ACL filtering and the size limits.
type PreparedQueryResult struct {
	Instances  []Instance
	Datacenter string        // where the query was answered (failover may move it)
	TTL        time.Duration // the query's DNS TTL; used when HasTTL
	HasTTL     bool
}

// LagReporter is implemented by a Catalog that knows how far behind the
// servers its data may be. Lag is zero while the view is connected and
// current, and grows while it is cut off. The server answers SERVFAIL when
// Lag exceeds Config.MaxStale (or is non-zero when AllowStale is off).
type LagReporter interface {
	Lag() time.Duration
}
