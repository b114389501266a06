package acl

import "testing"

func TestAllowAllAllowsEverything(t *testing.T) {
	a := AllowAll()
	checks := map[string]bool{
		"AgentRead": a.AgentRead("n"), "AgentWrite": a.AgentWrite("n"),
		"NodeRead": a.NodeRead("n"), "NodeWrite": a.NodeWrite("n"),
		"ServiceRead": a.ServiceRead("s"), "ServiceWrite": a.ServiceWrite("s"),
		"OperatorRead": a.OperatorRead(), "OperatorWrite": a.OperatorWrite(),
	}
	for name, got := range checks {
		if !got {
			t.Errorf("%s = false, want true", name)
		}
	}
}
