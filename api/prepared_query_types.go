package api

// QueryFailoverOptions say which other datacenters a prepared query tries
// when the local one has no healthy instance.
type QueryFailoverOptions struct {
	NearestN    int      // try this many datacenters, nearest first
	Datacenters []string // then these, in order
	Targets     []QueryFailoverTarget
}

// QueryFailoverTarget is one datacenter or cluster peer to fail over to.
type QueryFailoverTarget struct {
	Peer       string
	Datacenter string
	Partition  string `json:",omitempty"`
	Namespace  string `json:",omitempty"`
}

// QueryDNSOptions control how a prepared query's results are served over
// DNS.
type QueryDNSOptions struct {
	TTL string // a duration such as "10s"; "" means the agent's service TTL
}

// ServiceQuery selects the healthy instances of one service.
type ServiceQuery struct {
	Service        string
	SamenessGroup  string `json:",omitempty"`
	Namespace      string `json:",omitempty"`
	Partition      string `json:",omitempty"`
	Near           string // "_agent", "_ip" or a node name
	Failover       QueryFailoverOptions
	IgnoreCheckIDs []string
	OnlyPassing    bool
	Tags           []string // required tags; "!tag" excludes
	NodeMeta       map[string]string
	ServiceMeta    map[string]string
	Connect        bool
}

// QueryTemplate makes a prepared query a template.
type QueryTemplate struct {
	Type            string // "name_prefix_match"
	Regexp          string
	RemoveEmptyTags bool
}

// PreparedQueryDefinition is a prepared query, as POST /v1/query takes it
// and GET /v1/query returns it.
type PreparedQueryDefinition struct {
	ID          string
	Name        string
	Session     string
	Token       string
	Service     ServiceQuery
	DNS         QueryDNSOptions
	Template    QueryTemplate
	CreateIndex uint64 `json:",omitempty"` // sent by the server, ignored on writes
	ModifyIndex uint64 `json:",omitempty"`
}

// PreparedQueryExecuteResponse is the result of
// GET /v1/query/:id-or-name/execute.
type PreparedQueryExecuteResponse struct {
	Service    string
	Namespace  string `json:",omitempty"`
	Nodes      []ServiceEntry
	DNS        QueryDNSOptions
	Datacenter string
	Failovers  int
}

// PreparedQueryExplainResponse is the result of
// GET /v1/query/:id-or-name/explain: the query that answers the name, a
// template rendered for it.
type PreparedQueryExplainResponse struct {
	Query PreparedQueryDefinition
}
