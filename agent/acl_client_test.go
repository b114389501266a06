package agent

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestACLClientAgentResolvesThroughServers: a client agent resolves
// tokens through the servers (Client.ResolveToken) and enforces them on
// its own endpoints; once the servers are gone, down_policy extend-cache
// keeps the tokens it had resolved and denies the others.
func TestACLClientAgentResolvesThroughServers(t *testing.T) {
	srv, mgmt := startACLAgent(t)
	cli, _ := startAgent(t, "-node", "client1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-data-dir", t.TempDir(), "-retry-join", lanAddr(srv),
		"-hcl", `acl { enabled = true default_policy = "deny" down_policy = "extend-cache" token_ttl = "1ms" }`)
	if cli.server != nil {
		t.Fatal("a client agent started a server")
	}
	eventually(t, "the client to find a server", func() bool { return len(cli.client.Servers()) > 0 })

	reader := createToken(t, srv, `agent "client1" { policy = "read" }`)
	unused := createToken(t, srv, `agent "client1" { policy = "read" }`)
	self := func(token string) sweepResp {
		return sweepCall(t, cli.HTTPAddr(), http.MethodGet, "/v1/agent/self", "", token)
	}
	cases := []struct {
		name, token string
		code        int
		body        string
	}{
		{"no token", "", http.StatusForbidden, "Permission denied"},
		{"unknown token", "3f1e2d4c-5b6a-4978-8695-a4b3c2d1e0f9", http.StatusForbidden, "ACL not found"},
		{"agent read", reader, http.StatusOK, ""},
		{"management", mgmt, http.StatusOK, ""},
	}
	for _, c := range cases {
		r := self(c.token)
		if r.code != c.code || c.body != "" && r.body != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.name, r.code, r.body, c.code, c.body)
		}
	}

	if err := srv.Shutdown(); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
	// The TTL has passed: each request asks, finds no server, and falls
	// back on what it resolved before.
	if r := self(reader); r.code != http.StatusOK {
		t.Errorf("cached token with the servers down: %d %q, want 200 (extend-cache)", r.code, r.body)
	}
	if r := self(unused); r.code != http.StatusForbidden || r.body != "Permission denied" {
		t.Errorf("never-resolved token with the servers down: %d %q, want 403 Permission denied", r.code, r.body)
	}
}

// TestACLClientAgentDefaultToken: a request without a token through a
// client agent is judged by the client's acl.tokens.default, also where
// the client forwards it to the servers.
func TestACLClientAgentDefaultToken(t *testing.T) {
	srv, mgmt := startACLAgent(t)
	if r := sweepCall(t, srv.HTTPAddr(), http.MethodPut, "/v1/kv/shared", "v", mgmt); r.code != http.StatusOK {
		t.Fatalf("put: %d %s", r.code, r.body)
	}
	def := createToken(t, srv, `key "shared" { policy = "read" }`)
	cli, _ := startAgent(t, "-node", "client1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-data-dir", t.TempDir(), "-retry-join", lanAddr(srv),
		"-hcl", `acl { enabled = true default_policy = "deny" tokens { default = "`+def+`" } }`)
	eventually(t, "the client to find a server", func() bool { return len(cli.client.Servers()) > 0 })
	if r := sweepCall(t, cli.HTTPAddr(), http.MethodGet, "/v1/kv/shared", "", ""); r.code != http.StatusOK {
		t.Errorf("no token through the client: %d %q, want 200 (the client's default token)", r.code, r.body)
	}
	if r := sweepCall(t, srv.HTTPAddr(), http.MethodGet, "/v1/kv/shared", "", ""); r.code != http.StatusForbidden {
		t.Errorf("no token on the server: %d %q, want 403 (anonymous)", r.code, r.body)
	}
}

// TestACLClientAgentAntiEntropyUsesAgentToken: a client agent's
// anti-entropy reaches the catalog with its agent token; one without a
// token that grants it is refused, and its service stays out.
func TestACLClientAgentAntiEntropyUsesAgentToken(t *testing.T) {
	srv, _ := startACLAgent(t)
	agentTok := createToken(t, srv, `node_prefix "client" { policy = "write" } service "web" { policy = "write" }`)
	hasWeb := func(node string) bool {
		ns, err := srv.server.NodeState(node)
		if err != nil || ns == nil {
			return false
		}
		for _, s := range ns.Services {
			if s.ID == "web-"+node {
				return true
			}
		}
		return false
	}
	start := func(node, tokens string) *Agent {
		a, _ := startAgent(t, "-node", node, "-bind", "127.0.0.1", "-client", "127.0.0.1",
			"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
			"-data-dir", t.TempDir(), "-join", lanAddr(srv),
			"-hcl", `acl { enabled = true default_policy = "deny" `+tokens+` }`,
			"-hcl", `service { name = "web" id = "web-`+node+`" port = 80 }`)
		return a
	}
	start("client1", `tokens { agent = "`+agentTok+`" }`)
	// The agent joined its server before Start returned, so Start's own
	// sync, which runs before the API opens, must already carry the agent
	// token. (It once ran before the token was set; the loop's next try
	// came 15 s later.)
	if !hasWeb("client1") {
		t.Error("client1's service is not in the catalog when its Start returns")
	}
	start("client2", "")
	eventually(t, "client1's service in the catalog", func() bool { return hasWeb("client1") })
	time.Sleep(time.Second) // client2 has synced (and been refused) by now
	if hasWeb("client2") {
		t.Fatal("a client agent without an agent token registered its service under default deny")
	}
}

// TestACLReloadAppliesDefaultPolicy: a reload that changes
// acl.default_policy takes effect for the next request.
func TestACLReloadAppliesDefaultPolicy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "acl.hcl")
	write := func(policy string) {
		t.Helper()
		text := `acl { enabled = true default_policy = "` + policy + `" tokens { initial_management = "4b2c9e1a-7d3f-4e8b-a6c5-0f1e2d3c4b5a" } }`
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("allow")
	a, _ := testAgent(t, "-config-file", file)
	get := func() int { return sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/nodes", "", "").code }
	if code := get(); code != http.StatusOK {
		t.Fatalf("anonymous read under default allow: %d, want 200", code)
	}
	write("deny")
	if err := a.ReloadConfig(); err != nil {
		t.Fatal(err)
	}
	r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/nodes", "", "")
	if r.code != http.StatusOK || r.body != "[]" {
		t.Fatalf("anonymous node list after reloading default deny: %d %q, want 200 []", r.code, r.body)
	}
	resp, err := http.Get("http://" + a.HTTPAddr() + "/v1/catalog/nodes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Consul-Default-ACL-Policy"); got != "deny" {
		t.Errorf("X-Consul-Default-ACL-Policy after the reload = %q, want deny", got)
	}
}
