package acl

// GlobalManagementRules is the Rules text of the built-in
// global-management policy: every right on every resource.
const GlobalManagementRules = `acl = "write"
agent_prefix "" { policy = "write" }
event_prefix "" { policy = "write" }
key_prefix "" { policy = "write" }
keyring = "write"
mesh = "write"
node_prefix "" { policy = "write" }
operator = "write"
peering = "write"
query_prefix "" { policy = "write" }
service_prefix "" {
  policy     = "write"
  intentions = "write"
}
session_prefix "" { policy = "write" }
`

// GlobalManagement returns GlobalManagementRules parsed.
func GlobalManagement() *RuleSet {
	rs, err := ParseRules(GlobalManagementRules)
	if err != nil {
		panic("acl: built-in global-management rules: " + err.Error())
	}
	return rs
}

// ServiceIdentity returns the rules a token's service identity stands for,
// as in Consul: write on the service and its sidecar proxy, and read on
// every service and node so it can discover what it connects to.
func ServiceIdentity(service string) *RuleSet {
	return &RuleSet{Rules: []Rule{
		{Resource: ResourceService, Segment: service, Access: AccessWrite},
		{Resource: ResourceService, Segment: service + "-sidecar-proxy", Access: AccessWrite},
		{Resource: ResourceService, Prefix: true, Access: AccessRead},
		{Resource: ResourceNode, Prefix: true, Access: AccessRead},
	}}
}

// NodeIdentity returns the rules a token's node identity stands for, as
// in Consul: write on the node (enough for an agent token) and read on
// every service.
func NodeIdentity(node string) *RuleSet {
	return &RuleSet{Rules: []Rule{
		{Resource: ResourceNode, Segment: node, Access: AccessWrite},
		{Resource: ResourceService, Prefix: true, Access: AccessRead},
	}}
}
