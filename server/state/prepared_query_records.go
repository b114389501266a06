package state

// PreparedQuery is a saved service lookup that clients run by ID or name,
// over HTTP (/v1/query/:id-or-name/execute) or DNS (<name>.query.consul).
// A query whose Template.Type is set is a template: it answers every name
// that starts with its Name (an empty Name answers every name), and the
// strings of its Service are interpolated with the name looked up.
type PreparedQuery struct {
	ID       string // UUID chosen by the server on create; the primary key
	Name     string // optional; unique (case-insensitively) and never another query's ID
	Session  string // session the query's lifetime is bound to; sessions do not exist yet, so always ""
	Token    string // ACL token the query executes with; "" means the caller's
	Service  ServiceQuery
	DNS      QueryDNSOptions
	Template QueryTemplate
	RaftIndex
}

// ServiceQuery selects the healthy instances of one service.
type ServiceQuery struct {
	Service        string // required
	Failover       QueryFailoverOptions
	IgnoreCheckIDs []string // checks that never make an instance unhealthy
	OnlyPassing    bool     // drop instances with warning checks too, not only critical ones
	Near           string   // node to sort results nearest to: a name, "_agent" or "_ip"
	Tags           []string // every tag must be present; a "!tag" must be absent (case-insensitive)
	NodeMeta       map[string]string
	ServiceMeta    map[string]string
	Connect        bool // return the service's mesh endpoints instead of its instances
}

// QueryFailoverOptions say which other datacenters to try when the local
// one has no healthy instance.
type QueryFailoverOptions struct {
	NearestN    int      // try this many datacenters, nearest first by network coordinates
	Datacenters []string // then these, in order
	Targets     []QueryFailoverTarget
}

// QueryFailoverTarget is one datacenter or cluster peer to fail over to.
// It cannot be combined with NearestN or Datacenters.
type QueryFailoverTarget struct {
	Peer       string
	Datacenter string
}

// QueryDNSOptions control how results are served over DNS.
type QueryDNSOptions struct {
	TTL string // a Go duration such as "10s"; "" means the agent's service TTL
}

// QueryTemplate makes a query a template.
type QueryTemplate struct {
	Type            string // "" (not a template) or QueryTemplateNamePrefixMatch
	Regexp          string // applied to the full name looked up, for ${match(N)}
	RemoveEmptyTags bool   // drop tags that interpolate to ""
}

// QueryTemplateNamePrefixMatch is the only template type: the template
// answers every name its Name is a prefix of, the longest prefix winning.
const QueryTemplateNamePrefixMatch = "name_prefix_match"

// PreparedQueryOp is what a PreparedQueryRequest does.
type PreparedQueryOp string

// Prepared query operations, as Consul names them.
const (
	QueryOpCreate PreparedQueryOp = "create"
	QueryOpUpdate PreparedQueryOp = "update"
	QueryOpDelete PreparedQueryOp = "delete"
)

// PreparedQueryRequest is one prepared query write as a Raft entry carries
// it. For QueryOpDelete only Query.ID matters.
type PreparedQueryRequest struct {
	Op    PreparedQueryOp
	Query PreparedQuery
}
