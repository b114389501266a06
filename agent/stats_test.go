package agent

import (
	"testing"

	"github.com/pylonmesh/pylon/version"
)

// TestSelfStats: /v1/agent/self carries Consul's Stats sections: a server
// its Raft state and leadership, a client agent how many servers it knows,
// both their gossip pool and build.
func TestSelfStats(t *testing.T) {
	srv, srvAPI := testAgent(t)
	_, cliAPI := startClientAgent(t, srv, "client1")
	stat := func(self map[string]map[string]any, section, key string) any {
		s, _ := self["Stats"][section].(map[string]any)
		return s[key]
	}
	var self map[string]map[string]any
	eventually(t, "the server to count the client in its LAN pool", func() bool {
		var err error
		self, err = srvAPI.Agent().Self()
		return err == nil && stat(self, "serf_lan", "members") == "2"
	})
	for _, c := range []struct{ section, key, want string }{
		{"raft", "state", "Leader"}, {"consul", "leader", "true"}, {"consul", "server", "true"},
		{"build", "version", version.Version},
	} {
		if got := stat(self, c.section, c.key); got != c.want {
			t.Errorf("server stats %s.%s = %v, want %s", c.section, c.key, got, c.want)
		}
	}
	self, err := cliAPI.Agent().Self()
	if err != nil {
		t.Fatal(err)
	}
	if got := stat(self, "consul", "known_servers"); got != "1" {
		t.Errorf("client stats consul.known_servers = %v, want 1", got)
	}
	if got := stat(self, "consul", "server"); got != "false" {
		t.Errorf("client stats consul.server = %v, want false", got)
	}
	if _, ok := self["Stats"]["raft"]; ok {
		t.Error("a client agent shows a raft section")
	}
}
