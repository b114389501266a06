package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	consulapi "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/httpapi"
)

// loneClientArgs are the flags of a client agent that joins nobody at
// start.
func loneClientArgs(t *testing.T, node string, extra ...string) []string {
	return append([]string{"-node", node, "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1",
		"-grpc-port", "-1", "-data-dir", t.TempDir()}, extra...)
}

// memberStatus is node's gossip status as cl's agent sees it (0 if
// absent).
func memberStatus(t *testing.T, cl *consulapi.Client, node string) int {
	t.Helper()
	members, err := cl.Agent().Members(false)
	if err != nil {
		t.Fatalf("members: %v", err)
	}
	for _, m := range members {
		if m.Name == node {
			return m.Status
		}
	}
	return 0
}

// memberNames lists the members cl's agent knows, sorted.
func memberNames(t *testing.T, cl *consulapi.Client) []string {
	t.Helper()
	members, err := cl.Agent().Members(false)
	if err != nil {
		t.Fatalf("members: %v", err)
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	return names
}

// TestGossipJoinForceLeave joins two separate agents into one pool through
// the HTTP API, then force-leaves one of them after it stops.
func TestGossipJoinForceLeave(t *testing.T) {
	servers, apis := testServers(t, 1)
	srvAPI := apis[0]
	client, cliAPI := startAgent(t, loneClientArgs(t, "lone-1")...)
	if got := memberNames(t, cliAPI); strings.Join(got, ",") != "lone-1" {
		t.Fatalf("before join the client knows %v, want itself only", got)
	}

	if err := cliAPI.Agent().Join("127.0.0.1:1", false); err == nil {
		t.Fatal("join of an address nobody answers succeeded")
	}
	if err := cliAPI.Agent().Join(lanAddr(servers[0]), true); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("WAN join = %v, want a 500 (no WAN pool)", err)
	}
	if err := cliAPI.Agent().Join(lanAddr(servers[0]), false); err != nil {
		t.Fatalf("join: %v", err)
	}
	for _, cl := range []*consulapi.Client{srvAPI, cliAPI} {
		eventually(t, "both agents in one pool", func() bool {
			return memberStatus(t, cl, "server-1") == 1 && memberStatus(t, cl, "lone-1") == 1
		})
	}
	eventually(t, "the client's node in the catalog", func() bool { return serfStatus(t, srvAPI, "lone-1") == "passing" })

	// Members carries Consul's fields: address, port, tags.
	members, err := srvAPI.Agent().Members(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Addr != "127.0.0.1" || m.Port == 0 || m.Tags["dc"] != "dc1" || m.ProtocolCur == 0 || m.DelegateCur == 0 {
			t.Errorf("member %+v lacks its address, port, tags or protocol", m)
		}
		if wantRole := map[string]string{"server-1": "consul", "lone-1": "node"}[m.Name]; m.Tags["role"] != wantRole {
			t.Errorf("member %s role %q, want %q", m.Name, m.Tags["role"], wantRole)
		}
	}

	err = srvAPI.Agent().ForceLeave("no-such-node")
	if err == nil || !strings.Contains(err.Error(), "No node found with name 'no-such-node'") {
		t.Fatalf("force-leave of an unknown node = %v", err)
	}
	// A stop without leave: the others see the node failed, until a
	// force-leave makes it left and the leader deregisters it.
	if err := client.Shutdown(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "lone-1 failed", func() bool { return memberStatus(t, srvAPI, "lone-1") == 4 })
	if err := srvAPI.Agent().ForceLeave("lone-1"); err != nil {
		t.Fatalf("force-leave: %v", err)
	}
	eventually(t, "lone-1 left", func() bool { return memberStatus(t, srvAPI, "lone-1") == 3 })
	eventually(t, "lone-1 deregistered", func() bool {
		n, _, err := srvAPI.Catalog().Node("lone-1", nil)
		return err == nil && n == nil
	})
	if err := srvAPI.Agent().ForceLeavePrune("lone-1"); err != nil {
		t.Fatalf("force-leave -prune: %v", err)
	}
	eventually(t, "lone-1 pruned", func() bool { return memberStatus(t, srvAPI, "lone-1") == 0 })
}

// TestGossipLeaveOverHTTP: PUT /v1/agent/leave answers, then the agent
// leaves and shuts down; the others see it left.
func TestGossipLeaveOverHTTP(t *testing.T) {
	servers, apis := testServers(t, 1)
	client, cliAPI := startClientAgent(t, servers[0], "leaver")
	eventually(t, "leaver alive", func() bool { return memberStatus(t, apis[0], "leaver") == 1 })
	if err := cliAPI.Agent().Leave(); err != nil {
		t.Fatalf("leave: %v", err)
	}
	<-client.ShutdownCh()
	if err := client.Failure(); err != nil {
		t.Fatalf("failure after a requested leave: %v", err)
	}
	if got := memberStatus(t, apis[0], "leaver"); got != 3 {
		t.Fatalf("leaver status %d after its leave, want 3 (left)", got)
	}
}

// TestGossipKeyringRotation rotates the gossip key of three encrypted
// agents through /v1/operator/keyring on a client agent: install, use,
// remove. The pool stays whole throughout.
func TestGossipKeyringRotation(t *testing.T) {
	const oldKey = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
	const newKey = "H3/9gBxcKKRf45CaI2DlRg=="
	srv, srvAPI := startAgent(t, "-server", "-bootstrap", "-node", "server-1", "-bind", "127.0.0.1",
		"-client", "127.0.0.1", "-data-dir", t.TempDir(), "-http-port", "0", "-server-port", "0",
		"-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1", "-encrypt", oldKey)
	var clients []*consulapi.Client
	for i := range 2 {
		_, cl := startAgent(t, loneClientArgs(t, fmt.Sprintf("client-%d", i+1), "-encrypt", oldKey,
			"-retry-join", lanAddr(srv))...)
		clients = append(clients, cl)
	}
	for _, cl := range append([]*consulapi.Client{srvAPI}, clients...) {
		eventually(t, "three alive members everywhere", func() bool {
			n := 0
			for _, node := range []string{"server-1", "client-1", "client-2"} {
				if memberStatus(t, cl, node) == 1 {
					n++
				}
			}
			return n == 3
		})
	}
	op := clients[0].Operator()

	wantKeys := func(step string, keys map[string]int, primary string) {
		t.Helper()
		pools, err := op.KeyringList(nil)
		if err != nil {
			t.Fatalf("%s: list: %v", step, err)
		}
		if len(pools) != 1 || pools[0].WAN || pools[0].Datacenter != "dc1" || pools[0].NumNodes != 3 {
			t.Fatalf("%s: pools %s, want the LAN pool of dc1 with 3 nodes", step, describePools(pools))
		}
		if fmt.Sprint(pools[0].Keys) != fmt.Sprint(keys) {
			t.Fatalf("%s: keys %v, want %v", step, pools[0].Keys, keys)
		}
		if want := map[string]int{primary: 3}; fmt.Sprint(pools[0].PrimaryKeys) != fmt.Sprint(want) {
			t.Fatalf("%s: primary keys %v, want %v", step, pools[0].PrimaryKeys, want)
		}
	}
	wantKeys("start", map[string]int{oldKey: 3}, oldKey)
	if err := op.KeyringInstall(newKey, nil); err != nil {
		t.Fatalf("install: %v", err)
	}
	wantKeys("installed", map[string]int{oldKey: 3, newKey: 3}, oldKey)
	if err := op.KeyringRemove(oldKey, nil); err == nil {
		t.Fatal("removing the primary key succeeded")
	}
	if err := op.KeyringUse(newKey, nil); err != nil {
		t.Fatalf("use: %v", err)
	}
	wantKeys("used", map[string]int{oldKey: 3, newKey: 3}, newKey)
	if err := op.KeyringRemove(oldKey, nil); err != nil {
		t.Fatalf("remove: %v", err)
	}
	wantKeys("removed", map[string]int{newKey: 3}, newKey)
	for _, node := range []string{"server-1", "client-1", "client-2"} {
		if s := memberStatus(t, clients[1], node); s != 1 {
			t.Fatalf("after the rotation %s has status %d, want alive", node, s)
		}
	}
	if err := op.KeyringInstall("not base64!", nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("install of a bad key = %v, want a 400", err)
	}
}

// describePools prints keyring responses for a failure message.
func describePools(pools []*consulapi.KeyringResponse) string {
	var parts []string
	for _, p := range pools {
		parts = append(parts, fmt.Sprintf("%+v", *p))
	}
	return strings.Join(parts, "; ")
}

// TestGossipKeyringWithoutEncryption: keyring operations on a pool without
// a key fail.
func TestGossipKeyringWithoutEncryption(t *testing.T) {
	_, cl := testAgent(t)
	if _, err := cl.Operator().KeyringList(nil); err == nil || !strings.Contains(err.Error(), "encryption is not enabled") {
		t.Fatalf("list without encryption = %v", err)
	}
}

// gossipACL allows everything but agent and operator writes, keyring
// reads and reading the node "hidden".
type gossipACL struct{ acl.Authorizer }

func (gossipACL) AgentWrite(string) bool     { return false }
func (gossipACL) OperatorWrite() bool        { return false }
func (gossipACL) KeyringRead() bool          { return false }
func (gossipACL) KeyringWrite() bool         { return false }
func (gossipACL) NodeRead(node string) bool  { return node != "hidden" }
func (gossipACL) NodeWrite(node string) bool { return node != "hidden" }

func TestGossipEndpointsACL(t *testing.T) {
	a, _ := startAgent(t, loneClientArgs(t, "hidden")...)
	limited := func(token string) (acl.Authorizer, error) {
		if token == "limited" {
			return gossipACL{acl.AllowAll()}, nil
		}
		return acl.AllowAll(), nil
	}
	h := httpapi.New(httpapi.Config{Datacenter: "dc1", NodeName: "hidden"}, a.httpCatalog(), a, limited,
		slog.New(slog.DiscardHandler)).Handler()
	tests := []struct {
		method, target, body string
		code                 int
		want                 string
	}{
		{"GET", "/v1/agent/members", "", 200, "[]"},
		{"PUT", "/v1/agent/join/127.0.0.1:1", "", 403, "Permission denied"},
		{"PUT", "/v1/agent/leave", "", 403, "Permission denied"},
		{"PUT", "/v1/agent/force-leave/x", "", 403, "Permission denied"},
		{"GET", "/v1/operator/keyring", "", 403, "Permission denied"},
		{"POST", "/v1/operator/keyring", `{"Key":"H3/9gBxcKKRf45CaI2DlRg=="}`, 403, "Permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			r.Header.Set("X-Consul-Token", "limited")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.code || strings.TrimSpace(w.Body.String()) != tt.want {
				t.Fatalf("%d %q, want %d %q", w.Code, w.Body, tt.code, tt.want)
			}
		})
	}
	select {
	case <-a.ShutdownCh():
		t.Fatal("a denied leave shut the agent down")
	default:
	}
}

// TestKeyringRequestErrors covers the parameters of /v1/operator/keyring
// that are refused before any key operation.
func TestKeyringRequestErrors(t *testing.T) {
	a, _ := startAgent(t, loneClientArgs(t, "kr")...)
	h := httpapi.New(httpapi.Config{Datacenter: "dc1", NodeName: "kr"}, a.httpCatalog(), a, nil,
		slog.New(slog.DiscardHandler)).Handler()
	tests := []struct {
		name, method, target, body string
		code                       int
		want                       string
	}{
		{"relay factor too big", "GET", "/v1/operator/keyring?relay-factor=6", "", 400, "Relay factor must be in range"},
		{"relay factor not a number", "GET", "/v1/operator/keyring?relay-factor=x", "", 400, "relay factor"},
		{"local-only on a write", "POST", "/v1/operator/keyring?local-only=true", `{"Key":"a"}`, 400, "local-only"},
		{"no body", "POST", "/v1/operator/keyring", "", 400, "Request decode failed"},
		{"no key", "PUT", "/v1/operator/keyring", `{}`, 400, "Missing Key"},
		{"bad key", "DELETE", "/v1/operator/keyring", `{"Key":"short"}`, 400, "invalid encryption key"},
		{"patch", "PATCH", "/v1/operator/keyring", "", 405, "not allowed"},
		{"join without address", "PUT", "/v1/agent/join/", "", 400, "Missing address"},
		{"force-leave without node", "PUT", "/v1/agent/force-leave/", "", 400, "Missing node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.want) {
				t.Fatalf("%d %q, want %d %q", w.Code, w.Body, tt.code, tt.want)
			}
		})
	}
}

// TestStartJoin: start_join that nobody answers fails the start unless
// retry_join is set too; retry_join that gives up after retry_max shuts
// the agent down with the reason.
func TestStartJoin(t *testing.T) {
	_, err := startAgentErr(t, loneClientArgs(t, "sj-1", "-join", "127.0.0.1:1")...)
	if err == nil || !strings.Contains(err.Error(), "no address answered") {
		t.Fatalf("start with an unanswered -join = %v, want a start error", err)
	}

	a, err := startAgentErr(t, loneClientArgs(t, "sj-2", "-join", "127.0.0.1:1", "-retry-join", "127.0.0.1:1",
		"-retry-interval", "10ms", "-retry-max", "2")...)
	if err != nil {
		t.Fatalf("start with -join and -retry-join: %v", err)
	}
	<-a.ShutdownCh()
	if err := a.Failure(); err == nil || !strings.Contains(err.Error(), "retry join") {
		t.Fatalf("failure = %v, want the retry join error", err)
	}
}

// startAgentErr starts an agent and returns the start error; a started
// agent is shut down when the test ends.
func startAgentErr(t *testing.T, args ...string) (*Agent, error) {
	t.Helper()
	rt, _, err := config.Load(args)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	a, err := New(Options{Config: rt, Logger: testLogger(t), TestTimings: true})
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = a.Shutdown() })
	return a, nil
}
