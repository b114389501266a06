package agent

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTPConnectionCap: a client address holding http_max_conns_per_client
// connections gets 429 on one more, and is served again once it lets one
// go (Consul's answer to connection floods, CVE-2020-7219).
func TestHTTPConnectionCap(t *testing.T) {
	a, _ := testAgent(t, "-hcl", "limits { http_max_conns_per_client = 2 }")
	addr := a.HTTPAddr()
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	get := func() int {
		t.Helper()
		cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := cl.Get("http://" + addr + "/v1/agent/self")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	eventually(t, "the held connections to be accepted", func() bool { return get() == http.StatusTooManyRequests })
	held[0].Close()
	eventually(t, "a slot once a connection closed", func() bool { return get() == http.StatusOK })
}

// TestBodySizeLimits: limits.kv_max_value_size bounds a KV value, alone or
// in a transaction, and limits.txn_max_req_len a transaction's body.
func TestBodySizeLimits(t *testing.T) {
	a, _ := testAgent(t, "-hcl", "limits {\n kv_max_value_size = 10\n txn_max_req_len = 300\n}")
	txnSet := func(value string) string {
		return `[{"KV":{"Verb":"set","Key":"t","Value":"` + base64.StdEncoding.EncodeToString([]byte(value)) + `"}}]`
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		says             string
	}{
		{"value at the limit", "/v1/kv/k", strings.Repeat("x", 10), 200, "true"},
		{"value over it", "/v1/kv/k", strings.Repeat("x", 11), 413, "max size: 10 bytes"},
		{"txn value at the limit", "/v1/txn", txnSet(strings.Repeat("x", 10)), 200, ""},
		{"txn value over it", "/v1/txn", txnSet(strings.Repeat("x", 11)), 413, "too large (11 > 10 bytes)"},
		{"txn body over its limit", "/v1/txn", txnSet("x") + strings.Repeat(" ", 300), 413, "max size: 300 bytes"},
	} {
		status, body := httpPut(t, a.HTTPAddr(), tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, body, tc.status, tc.says)
		}
	}
}

// httpPut PUTs body to path on the HTTP API at addr and returns the
// status and the answer's body.
func httpPut(t *testing.T, addr, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestClientAgentRPCRate: a client agent over limits.rpc_rate answers
// the requests it would forward with 429, as Consul's.
func TestClientAgentRPCRate(t *testing.T) {
	srv, _ := testAgent(t)
	cli, _ := startAgent(t, "-node", "c1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-data-dir", t.TempDir(), "-retry-join", lanAddr(srv), "-hcl", "limits {\n rpc_rate = 0.001\n rpc_max_burst = 5\n}")
	eventually(t, "the client to find a server", func() bool { return len(cli.client.Servers()) > 0 })
	var last string
	for range 20 {
		resp, err := http.Get("http://" + cli.HTTPAddr() + "/v1/catalog/nodes")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			if !strings.Contains(string(b), "RPC rate limit exceeded") {
				t.Fatalf("429 body %q", b)
			}
			return
		}
		last = resp.Status
	}
	t.Fatalf("20 forwarded reads past a burst of 5 all answered (last %s), want 429", last)
}

// TestServerRequestLimits: a server in enforcing mode refuses writes over
// its write_rate with 503 (it is the leader: nobody else may write), from
// its own clients and from a client agent's forwarded requests; reads,
// without a read_rate, and the agent's own endpoints stay unlimited.
func TestServerRequestLimits(t *testing.T) {
	srv, _ := testAgent(t, "-hcl", `limits { request_limits { mode = "enforcing"  write_rate = 0.001 } }`)
	cli, _ := startClientAgent(t, srv, "c-limits")
	put := func(addr string) (int, string) { return httpPut(t, addr, "/v1/kv/limited", "v") }
	// The bucket holds one write, which this test or the client agent's
	// own writes (its registration, its coordinates) take: the second of
	// the test's writes is refused at the latest.
	refused := false
	for range 2 {
		code, body := put(srv.HTTPAddr())
		if code == http.StatusServiceUnavailable && strings.Contains(body, "rate limit exceeded") {
			refused = true
			break
		}
		if code != http.StatusOK {
			t.Fatalf("write = %d %q, want 200 or 503 rate limit exceeded", code, body)
		}
	}
	if !refused {
		t.Fatal("two writes through the server passed a bucket of one")
	}
	if code, body := put(cli.HTTPAddr()); code != http.StatusServiceUnavailable || !strings.Contains(body, "rate limit exceeded") {
		t.Errorf("write over the rate through a client agent = %d %q, want 503 rate limit exceeded", code, body)
	}
	for _, path := range []string{"/v1/catalog/nodes", "/v1/agent/self", "/v1/status/leader"} {
		for range 5 {
			resp, err := http.Get("http://" + srv.HTTPAddr() + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want unlimited", path, resp.StatusCode)
			}
		}
	}
}
