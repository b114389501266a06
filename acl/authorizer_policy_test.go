package acl

import (
	"testing"
)

// check is one question to an authorizer and its expected answer.
type check struct {
	name string
	ask  func(*PolicyAuthorizer) bool
	want bool
}

func yes(name string, ask func(*PolicyAuthorizer) bool) check { return check{name, ask, true} }
func no(name string, ask func(*PolicyAuthorizer) bool) check  { return check{name, ask, false} }

func mustParse(t testing.TB, rules string) *RuleSet {
	t.Helper()
	rs, err := ParseRules(rules)
	if err != nil {
		t.Fatalf("ParseRules(%q): %v", rules, err)
	}
	return rs
}

func TestPolicyAuthorizer(t *testing.T) {
	tests := []struct {
		name     string
		def      Decision
		policies []string
		checks   []check
	}{
		{
			name: "every resource, default deny",
			def:  Deny,
			policies: []string{`
agent "n1" { policy = "read" }
agent_prefix "w" { policy = "write" }
node "n1" { policy = "write" }
node_prefix "r" { policy = "read" }
service "web" { policy = "write" }
service_prefix "ro-" { policy = "read" }
query "q1" { policy = "read" }
query_prefix "w-" { policy = "write" }
key "k1" { policy = "read" }
key_prefix "w/" { policy = "write" }
session "n1" { policy = "read" }
session_prefix "w" { policy = "write" }
event "e1" { policy = "read" }
event_prefix "w" { policy = "write" }
operator = "read"
acl = "read"
keyring = "write"
`},
			checks: []check{
				yes("AgentRead n1", func(a *PolicyAuthorizer) bool { return a.AgentRead("n1") }),
				no("AgentWrite n1", func(a *PolicyAuthorizer) bool { return a.AgentWrite("n1") }),
				yes("AgentWrite w1", func(a *PolicyAuthorizer) bool { return a.AgentWrite("w1") }),
				no("AgentRead n2", func(a *PolicyAuthorizer) bool { return a.AgentRead("n2") }),
				yes("NodeWrite n1", func(a *PolicyAuthorizer) bool { return a.NodeWrite("n1") }),
				yes("NodeRead r9", func(a *PolicyAuthorizer) bool { return a.NodeRead("r9") }),
				no("NodeWrite r9", func(a *PolicyAuthorizer) bool { return a.NodeWrite("r9") }),
				no("NodeRead n10", func(a *PolicyAuthorizer) bool { return a.NodeRead("n10") }),
				yes("ServiceWrite web", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web") }),
				no("ServiceRead web2", func(a *PolicyAuthorizer) bool { return a.ServiceRead("web2") }),
				yes("ServiceRead ro-x", func(a *PolicyAuthorizer) bool { return a.ServiceRead("ro-x") }),
				no("ServiceWrite ro-x", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("ro-x") }),
				yes("QueryRead q1", func(a *PolicyAuthorizer) bool { return a.QueryRead("q1") }),
				no("QueryWrite q1", func(a *PolicyAuthorizer) bool { return a.QueryWrite("q1") }),
				yes("QueryWrite w-1", func(a *PolicyAuthorizer) bool { return a.QueryWrite("w-1") }),
				no("QueryRead empty", func(a *PolicyAuthorizer) bool { return a.QueryRead("") }),
				yes("KeyRead k1", func(a *PolicyAuthorizer) bool { return a.KeyRead("k1") }),
				no("KeyRead k10", func(a *PolicyAuthorizer) bool { return a.KeyRead("k10") }),
				no("KeyWrite k1", func(a *PolicyAuthorizer) bool { return a.KeyWrite("k1") }),
				yes("KeyWrite w/a", func(a *PolicyAuthorizer) bool { return a.KeyWrite("w/a") }),
				yes("SessionRead n1", func(a *PolicyAuthorizer) bool { return a.SessionRead("n1") }),
				no("SessionWrite n1", func(a *PolicyAuthorizer) bool { return a.SessionWrite("n1") }),
				yes("SessionWrite w2", func(a *PolicyAuthorizer) bool { return a.SessionWrite("w2") }),
				yes("EventRead e1", func(a *PolicyAuthorizer) bool { return a.EventRead("e1") }),
				no("EventWrite e1", func(a *PolicyAuthorizer) bool { return a.EventWrite("e1") }),
				yes("EventWrite wx", func(a *PolicyAuthorizer) bool { return a.EventWrite("wx") }),
				yes("OperatorRead", (*PolicyAuthorizer).OperatorRead),
				no("OperatorWrite", (*PolicyAuthorizer).OperatorWrite),
				yes("ACLRead", (*PolicyAuthorizer).ACLRead),
				no("ACLWrite", (*PolicyAuthorizer).ACLWrite),
				yes("KeyringWrite", (*PolicyAuthorizer).KeyringWrite),
				yes("KeyringRead", (*PolicyAuthorizer).KeyringRead),
				yes("MeshRead (from operator)", (*PolicyAuthorizer).MeshRead),
				no("MeshWrite (from operator)", (*PolicyAuthorizer).MeshWrite),
				yes("PeeringRead (from operator)", (*PolicyAuthorizer).PeeringRead),
			},
		},
		{
			name:     "exact beats prefix",
			def:      Deny,
			policies: []string{`key_prefix "app/" { policy = "write" } key "app/secret" { policy = "deny" } key_prefix "db/" { policy = "deny" } key "db/open" { policy = "read" }`},
			checks: []check{
				no("KeyRead app/secret", func(a *PolicyAuthorizer) bool { return a.KeyRead("app/secret") }),
				yes("KeyWrite app/secret2", func(a *PolicyAuthorizer) bool { return a.KeyWrite("app/secret2") }),
				yes("KeyRead db/open", func(a *PolicyAuthorizer) bool { return a.KeyRead("db/open") }),
				no("KeyWrite db/open", func(a *PolicyAuthorizer) bool { return a.KeyWrite("db/open") }),
				no("KeyRead db/opened", func(a *PolicyAuthorizer) bool { return a.KeyRead("db/opened") }),
			},
		},
		{
			name:     "longest prefix wins",
			def:      Deny,
			policies: []string{`service_prefix "" { policy = "read" } service_prefix "web" { policy = "deny" } service_prefix "web-api" { policy = "write" }`},
			checks: []check{
				yes("ServiceRead db", func(a *PolicyAuthorizer) bool { return a.ServiceRead("db") }),
				yes("ServiceRead empty", func(a *PolicyAuthorizer) bool { return a.ServiceRead("") }),
				no("ServiceWrite db", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("db") }),
				no("ServiceRead web", func(a *PolicyAuthorizer) bool { return a.ServiceRead("web") }),
				no("ServiceRead web-ap", func(a *PolicyAuthorizer) bool { return a.ServiceRead("web-ap") }),
				yes("ServiceWrite web-api", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web-api") }),
				yes("ServiceWrite web-api-1", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web-api-1") }),
				yes("ServiceRead we", func(a *PolicyAuthorizer) bool { return a.ServiceRead("we") }),
			},
		},
		{
			name: "deny overrides within a policy",
			def:  Allow,
			policies: []string{`
key "a" { policy = "write" }
key "a" { policy = "deny" }
key_prefix "p/" { policy = "read" }
key_prefix "p/" { policy = "deny" }
service "s" { policy = "read" }
service "s" { policy = "write" }
operator = "write"
`},
			checks: []check{
				no("KeyRead a", func(a *PolicyAuthorizer) bool { return a.KeyRead("a") }),
				no("KeyRead p/x", func(a *PolicyAuthorizer) bool { return a.KeyRead("p/x") }),
				yes("KeyRead q", func(a *PolicyAuthorizer) bool { return a.KeyRead("q") }),
				yes("ServiceWrite s", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("s") }),
				yes("OperatorWrite", (*PolicyAuthorizer).OperatorWrite),
			},
		},
		{
			name: "several policies combine",
			def:  Deny,
			policies: []string{
				`key_prefix "app/" { policy = "read" } service_prefix "" { policy = "write" } node "n" { policy = "write" } operator = "read"`,
				`key_prefix "app/" { policy = "write" } service "web" { policy = "read" } operator = "write"`,
				`key_prefix "app/" { policy = "list" } node "n" { policy = "deny" }`,
			},
			checks: []check{
				yes("KeyWrite app/x (write over list and read)", func(a *PolicyAuthorizer) bool { return a.KeyWrite("app/x") }),
				no("ServiceWrite web (exact read beats prefix write)", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web") }),
				yes("ServiceRead web", func(a *PolicyAuthorizer) bool { return a.ServiceRead("web") }),
				yes("ServiceWrite db", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("db") }),
				no("NodeRead n (deny wins)", func(a *PolicyAuthorizer) bool { return a.NodeRead("n") }),
				yes("OperatorWrite", (*PolicyAuthorizer).OperatorWrite),
			},
		},
		{
			name:     "default allow",
			def:      Allow,
			policies: []string{`service "secret" { policy = "deny" } node_prefix "" { policy = "read" }`},
			checks: []check{
				no("ServiceRead secret", func(a *PolicyAuthorizer) bool { return a.ServiceRead("secret") }),
				yes("ServiceWrite other", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("other") }),
				yes("NodeRead x", func(a *PolicyAuthorizer) bool { return a.NodeRead("x") }),
				no("NodeWrite x (a rule matched)", func(a *PolicyAuthorizer) bool { return a.NodeWrite("x") }),
				yes("KeyWrite", func(a *PolicyAuthorizer) bool { return a.KeyWrite("k") }),
				yes("KeyList", func(a *PolicyAuthorizer) bool { return a.KeyList("k") }),
				yes("OperatorWrite", (*PolicyAuthorizer).OperatorWrite),
				yes("MeshWrite", (*PolicyAuthorizer).MeshWrite),
				yes("PeeringWrite", (*PolicyAuthorizer).PeeringWrite),
				yes("IntentionWrite other", func(a *PolicyAuthorizer) bool { return a.IntentionWrite("other") }),
				no("IntentionRead secret", func(a *PolicyAuthorizer) bool { return a.IntentionRead("secret") }),
				no("ACLRead (never by default)", (*PolicyAuthorizer).ACLRead),
				no("ACLWrite (never by default)", (*PolicyAuthorizer).ACLWrite),
			},
		},
		{
			name:     "default deny, no rules",
			def:      Deny,
			policies: nil,
			checks: []check{
				no("ServiceRead", func(a *PolicyAuthorizer) bool { return a.ServiceRead("x") }),
				no("KeyRead", func(a *PolicyAuthorizer) bool { return a.KeyRead("x") }),
				no("KeyWritePrefix", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("") }),
				no("OperatorRead", (*PolicyAuthorizer).OperatorRead),
				no("MeshRead", (*PolicyAuthorizer).MeshRead),
				no("IntentionRead", func(a *PolicyAuthorizer) bool { return a.IntentionRead("x") }),
			},
		},
		{
			name:     "key list",
			def:      Deny,
			policies: []string{`key_prefix "r/" { policy = "read" } key_prefix "l/" { policy = "list" } key_prefix "w/" { policy = "write" }`},
			checks: []check{
				yes("KeyRead r/", func(a *PolicyAuthorizer) bool { return a.KeyRead("r/") }),
				no("KeyList r/", func(a *PolicyAuthorizer) bool { return a.KeyList("r/") }),
				yes("KeyList l/", func(a *PolicyAuthorizer) bool { return a.KeyList("l/") }),
				yes("KeyRead l/x", func(a *PolicyAuthorizer) bool { return a.KeyRead("l/x") }),
				no("KeyWrite l/x", func(a *PolicyAuthorizer) bool { return a.KeyWrite("l/x") }),
				yes("KeyList w/", func(a *PolicyAuthorizer) bool { return a.KeyList("w/") }),
			},
		},
		{
			name:     "key write prefix, default deny",
			def:      Deny,
			policies: []string{`key_prefix "app/" { policy = "write" } key "app/locked" { policy = "read" } key_prefix "tmp/" { policy = "write" } key_prefix "tmp/keep/" { policy = "deny" } key_prefix "all/" { policy = "write" } key "all/x" { policy = "write" }`},
			checks: []check{
				no("app/ (read rule below)", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("app/") }),
				yes("app/sub/", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("app/sub/") }),
				no("app/lock", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("app/lock") }),
				no("tmp/", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("tmp/") }),
				yes("tmp/other", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("tmp/other") }),
				no("tmp/keep/x", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("tmp/keep/x") }),
				yes("all/", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("all/") }),
				no("all (no rule covers it)", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("all") }),
				no("empty", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("") }),
			},
		},
		{
			name:     "key write prefix, default allow",
			def:      Allow,
			policies: []string{`key "app/x" { policy = "deny" } key_prefix "ro/" { policy = "read" }`},
			checks: []check{
				no("app/", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("app/") }),
				no("empty", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("") }),
				yes("other/", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("other/") }),
				yes("app/y", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("app/y") }),
				no("ro/sub (covered by read)", func(a *PolicyAuthorizer) bool { return a.KeyWritePrefix("ro/sub") }),
			},
		},
		{
			name:     "mesh and peering fall back",
			def:      Deny,
			policies: []string{`operator = "write"`},
			checks: []check{
				yes("MeshWrite", (*PolicyAuthorizer).MeshWrite),
				yes("PeeringWrite", (*PolicyAuthorizer).PeeringWrite),
				no("KeyringRead", (*PolicyAuthorizer).KeyringRead),
			},
		},
		{
			name:     "mesh rule beats operator",
			def:      Allow,
			policies: []string{`operator = "write" mesh = "read"`},
			checks: []check{
				yes("MeshRead", (*PolicyAuthorizer).MeshRead),
				no("MeshWrite", (*PolicyAuthorizer).MeshWrite),
				yes("PeeringRead", (*PolicyAuthorizer).PeeringRead),
				no("PeeringWrite", (*PolicyAuthorizer).PeeringWrite),
				yes("OperatorWrite", (*PolicyAuthorizer).OperatorWrite),
			},
		},
		{
			name:     "peering rule",
			def:      Allow,
			policies: []string{`peering = "deny"`},
			checks: []check{
				no("PeeringRead", (*PolicyAuthorizer).PeeringRead),
				yes("MeshWrite", (*PolicyAuthorizer).MeshWrite),
			},
		},
		{
			name:     "intentions",
			def:      Deny,
			policies: []string{`service "web" { policy = "read" } service "db" { policy = "read" intentions = "write" } service_prefix "x" { policy = "deny" } service "api" { policy = "write" intentions = "deny" } service "only" { intentions = "read" }`},
			checks: []check{
				yes("IntentionRead web (implied)", func(a *PolicyAuthorizer) bool { return a.IntentionRead("web") }),
				no("IntentionWrite web", func(a *PolicyAuthorizer) bool { return a.IntentionWrite("web") }),
				yes("IntentionWrite db", func(a *PolicyAuthorizer) bool { return a.IntentionWrite("db") }),
				no("ServiceWrite db", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("db") }),
				no("IntentionRead x1", func(a *PolicyAuthorizer) bool { return a.IntentionRead("x1") }),
				no("IntentionRead api", func(a *PolicyAuthorizer) bool { return a.IntentionRead("api") }),
				yes("ServiceWrite api", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("api") }),
				yes("IntentionRead only", func(a *PolicyAuthorizer) bool { return a.IntentionRead("only") }),
				no("ServiceRead only", func(a *PolicyAuthorizer) bool { return a.ServiceRead("only") }),
			},
		},
		{
			name:     "acl write",
			def:      Deny,
			policies: []string{`acl = "write"`},
			checks: []check{
				yes("ACLRead", (*PolicyAuthorizer).ACLRead),
				yes("ACLWrite", (*PolicyAuthorizer).ACLWrite),
				no("OperatorRead", (*PolicyAuthorizer).OperatorRead),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sets []*RuleSet
			for _, p := range tt.policies {
				sets = append(sets, mustParse(t, p))
			}
			a := Compile(tt.def, sets...)
			for _, c := range tt.checks {
				if got := c.ask(a); got != c.want {
					t.Errorf("%s = %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
}

func TestDecide(t *testing.T) {
	a := Compile(Allow, mustParse(t, `service_prefix "" { policy = "read" } operator = "deny" key_prefix "l/" { policy = "list" }`))
	tests := []struct {
		res  Resource
		seg  string
		need Access
		want Decision
	}{
		{ResourceService, "web", AccessRead, Allow},
		{ResourceService, "web", AccessWrite, Deny},
		{ResourceNode, "n", AccessRead, Default},
		{ResourceOperator, "", AccessRead, Deny},
		{ResourceMesh, "", AccessRead, Deny}, // from operator
		{ResourceKeyring, "", AccessRead, Default},
		{ResourceKey, "l/x", AccessList, Allow},
		{ResourceKey, "l/x", AccessWrite, Deny},
		{Resource(200), "x", AccessRead, Deny},
	}
	for _, tt := range tests {
		if got := a.Decide(tt.res, tt.seg, tt.need); got != tt.want {
			t.Errorf("Decide(%v, %q, %v) = %v, want %v", tt.res, tt.seg, tt.need, got, tt.want)
		}
	}
}

func TestCompileSkipsNil(t *testing.T) {
	a := Compile(Deny, nil, mustParse(t, `node "n" { policy = "read" }`), nil)
	if !a.NodeRead("n") {
		t.Error("NodeRead(n) = false, want true")
	}
}
