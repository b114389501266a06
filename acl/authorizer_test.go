package acl

import "testing"

func TestAllowAllAllowsEverything(t *testing.T) {
	a := AllowAll()
	checks := map[string]bool{
		"AgentRead": a.AgentRead("n"), "AgentWrite": a.AgentWrite("n"),
		"NodeRead": a.NodeRead("n"), "NodeWrite": a.NodeWrite("n"),
		"ServiceRead": a.ServiceRead("s"), "ServiceWrite": a.ServiceWrite("s"),
		"OperatorRead": a.OperatorRead(), "OperatorWrite": a.OperatorWrite(),
		"QueryRead": a.QueryRead("q"), "QueryWrite": a.QueryWrite("q"),
		"KeyRead": a.KeyRead("k"), "KeyList": a.KeyList("k"),
		"KeyWrite": a.KeyWrite("k"), "KeyWritePrefix": a.KeyWritePrefix("k"),
		"SessionRead": a.SessionRead("n"), "SessionWrite": a.SessionWrite("n"),
		"EventRead": a.EventRead("e"), "EventWrite": a.EventWrite("e"),
		"ACLRead": a.ACLRead(), "ACLWrite": a.ACLWrite(),
	}
	for name, got := range checks {
		if !got {
			t.Errorf("%s = false, want true", name)
		}
	}
}
