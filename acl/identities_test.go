package acl

import "testing"

func TestGlobalManagementAllowsEverything(t *testing.T) {
	a := Compile(Deny, GlobalManagement())
	checks := map[string]bool{
		"AgentRead": a.AgentRead("n"), "AgentWrite": a.AgentWrite("n"),
		"NodeRead": a.NodeRead("n"), "NodeWrite": a.NodeWrite("n"),
		"ServiceRead": a.ServiceRead("s"), "ServiceWrite": a.ServiceWrite("s"),
		"OperatorRead": a.OperatorRead(), "OperatorWrite": a.OperatorWrite(),
		"QueryRead": a.QueryRead("q"), "QueryWrite": a.QueryWrite("q"),
		"KeyRead": a.KeyRead("k"), "KeyList": a.KeyList("k"),
		"KeyWrite": a.KeyWrite("k"), "KeyWritePrefix": a.KeyWritePrefix(""),
		"SessionRead": a.SessionRead("n"), "SessionWrite": a.SessionWrite("n"),
		"EventRead": a.EventRead("e"), "EventWrite": a.EventWrite("e"),
		"ACLRead": a.ACLRead(), "ACLWrite": a.ACLWrite(),
		"KeyringWrite": a.KeyringWrite(), "MeshWrite": a.MeshWrite(),
		"PeeringWrite": a.PeeringWrite(), "IntentionWrite": a.IntentionWrite("s"),
	}
	for name, got := range checks {
		if !got {
			t.Errorf("%s = false, want true", name)
		}
	}
}

func TestIdentities(t *testing.T) {
	tests := []struct {
		name   string
		set    *RuleSet
		checks []check
	}{
		{
			name: "service identity",
			set:  ServiceIdentity("web"),
			checks: []check{
				yes("ServiceWrite web", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web") }),
				yes("ServiceWrite web-sidecar-proxy", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web-sidecar-proxy") }),
				no("ServiceWrite web2", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("web2") }),
				yes("ServiceRead db", func(a *PolicyAuthorizer) bool { return a.ServiceRead("db") }),
				yes("NodeRead n", func(a *PolicyAuthorizer) bool { return a.NodeRead("n") }),
				no("NodeWrite n", func(a *PolicyAuthorizer) bool { return a.NodeWrite("n") }),
				yes("IntentionRead web", func(a *PolicyAuthorizer) bool { return a.IntentionRead("web") }),
				no("KeyRead", func(a *PolicyAuthorizer) bool { return a.KeyRead("k") }),
			},
		},
		{
			name: "node identity",
			set:  NodeIdentity("n1"),
			checks: []check{
				yes("NodeWrite n1", func(a *PolicyAuthorizer) bool { return a.NodeWrite("n1") }),
				no("NodeRead n2", func(a *PolicyAuthorizer) bool { return a.NodeRead("n2") }),
				yes("ServiceRead db", func(a *PolicyAuthorizer) bool { return a.ServiceRead("db") }),
				no("ServiceWrite db", func(a *PolicyAuthorizer) bool { return a.ServiceWrite("db") }),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Compile(Deny, tt.set)
			for _, c := range tt.checks {
				if got := c.ask(a); got != c.want {
					t.Errorf("%s = %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
}
