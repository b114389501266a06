package agent

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/pylonmesh/pylon/agent/aclresolve"
	"github.com/pylonmesh/pylon/server/state"
)

// TestACLUnresolvableTokenIs403: a token that is unknown, expired or
// deleted gets 403 "ACL not found" wherever it is presented, never a 500,
// and no data.
func TestACLUnresolvableTokenIs403(t *testing.T) {
	a, mgmt := startACLAgent(t)
	deleted := state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}}
	if _, err := a.server.ACLTokenSet(context.Background(), &deleted, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.server.ACLTokenDelete(context.Background(), deleted.AccessorID); err != nil {
		t.Fatal(err)
	}
	sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/kv/secret", "value", mgmt)
	for _, secret := range []string{"2c0e1a4e-5d7b-4f0a-9b8c-7d6e5f4a3b2c", "not-even-a-uuid", deleted.SecretID} {
		for _, target := range []string{"/v1/kv/secret", "/v1/catalog/services", "/v1/health/service/consul", "/v1/agent/self", "/v1/acl/token/self"} {
			r := sweepCall(t, a.HTTPAddr(), http.MethodGet, target, "", secret)
			if r.code != http.StatusForbidden || r.body != "ACL not found" {
				t.Errorf("GET %s with %q: %d %q, want 403 ACL not found", target, secret, r.code, r.body)
			}
		}
	}
	// The other ways to pass a token are judged alike.
	for _, how := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+deleted.SecretID) },
		func(r *http.Request) { r.URL.RawQuery = "token=" + deleted.SecretID },
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+a.HTTPAddr()+"/v1/kv/secret", nil)
		how(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", req.URL, resp.StatusCode)
		}
	}
}

// TestACLResultsFilteredHeader: a list that lost elements to the token's
// rights says so, to callers that presented a token; not to anonymous
// ones, and not when nothing was removed.
func TestACLResultsFilteredHeader(t *testing.T) {
	a, mgmt := startACLAgent(t)
	some := createToken(t, a, `service "consul" { policy = "read" }`)
	all := createToken(t, a, `service_prefix "" { policy = "read" }`)
	sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/agent/service/register", `{"ID":"web1","Name":"web"}`, mgmt)
	cases := []struct {
		name, token string
		want        string
	}{
		{"anonymous", "", ""},
		{"partial rights", some, "true"},
		{"full rights", all, ""},
		{"management", mgmt, ""},
	}
	for _, c := range cases {
		for range 2 { // the second answer comes from the body cache
			r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/services", "", c.token)
			if got := r.header.Get("X-Consul-Results-Filtered-By-ACLs"); r.code != http.StatusOK || got != c.want {
				t.Errorf("%s: %d, header %q, want %q (%s)", c.name, r.code, got, c.want, r.body)
			}
			if got := r.header.Get("X-Consul-Default-ACL-Policy"); got != "deny" {
				t.Errorf("%s: X-Consul-Default-ACL-Policy %q, want deny", c.name, got)
			}
		}
	}
}

// TestACLPolicyEditAppliesAtOnce: an edit of a token's policy through the
// API changes what the token sees on its next request, though the data's
// index did not move (the body cache must not answer for the old rights).
func TestACLPolicyEditAppliesAtOnce(t *testing.T) {
	a, mgmt := startACLAgent(t)
	sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/kv/app/x", "SEEME", mgmt)
	p := &state.ACLPolicy{Name: "app", Rules: `key_prefix "app/" { policy = "read" }`}
	if _, err := a.server.ACLPolicySet(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	tok := state.ACLToken{Policies: []state.ACLLink{{ID: p.ID}}}
	if _, err := a.server.ACLTokenSet(context.Background(), &tok, true); err != nil {
		t.Fatal(err)
	}
	if r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/kv/app/x", "", tok.SecretID); r.code != http.StatusOK {
		t.Fatalf("read before the edit: %d %s", r.code, r.body)
	}
	r := sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/acl/policy/"+p.ID,
		`{"Name":"app","Rules":"key_prefix \"app/\" { policy = \"deny\" }"}`, mgmt)
	if r.code != http.StatusOK {
		t.Fatalf("edit policy: %d %s", r.code, r.body)
	}
	if r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/kv/app/x", "", tok.SecretID); r.code != http.StatusForbidden || strings.Contains(r.body, "SEEME") {
		t.Fatalf("read after the edit: %d %s, want 403", r.code, r.body)
	}
}

// TestACLBlockingQueryStopsOnRevoke: a blocking query whose token is
// deleted while it waits answers 403 "ACL not found" when it wakes, not
// the new data.
func TestACLBlockingQueryStopsOnRevoke(t *testing.T) {
	a, mgmt := startACLAgent(t)
	tok := state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}}
	if _, err := a.server.ACLTokenSet(context.Background(), &tok, true); err != nil {
		t.Fatal(err)
	}
	first := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/services", "", tok.SecretID)
	if first.code != http.StatusOK {
		t.Fatalf("first read: %d %s", first.code, first.body)
	}
	index := first.header.Get("X-Consul-Index")
	done := make(chan sweepResp, 1)
	go func() {
		done <- sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/services?wait=30s&index="+index, "", tok.SecretID)
	}()
	if _, err := a.server.ACLTokenDelete(context.Background(), tok.AccessorID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the resolver to forget the token", func() bool {
		_, err := a.acl.Resolve(context.Background(), tok.SecretID)
		return errors.Is(err, aclresolve.ErrNotFound)
	})
	r := sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/agent/service/register", `{"ID":"newsvc1","Name":"newsvc"}`, mgmt)
	if r.code != http.StatusOK {
		t.Fatalf("register: %d %s", r.code, r.body)
	}
	got := <-done
	if got.code != http.StatusForbidden || got.body != "ACL not found" {
		t.Fatalf("blocked query after revoke: %d %q, want 403 ACL not found", got.code, got.body)
	}
}

// TestACLDNSUsesTheDNSToken: DNS answers what the DNS token may read:
// nothing as anonymous under default deny, the service once
// acl.tokens.dns is set through the API.
func TestACLDNSUsesTheDNSToken(t *testing.T) {
	a, mgmt := startACLAgent(t, "-dns-port", "0")
	r := sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/agent/service/register",
		`{"ID":"web1","Name":"web","Port":8080,"Address":"127.0.0.11"}`, mgmt)
	if r.code != http.StatusOK {
		t.Fatalf("register: %d %s", r.code, r.body)
	}
	eventually(t, "web in the catalog", func() bool {
		r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/catalog/service/web", "", mgmt)
		return strings.Contains(r.body, "web1")
	})
	lookup := func() int {
		req := new(dns.Msg)
		req.SetQuestion("web.service.consul.", dns.TypeA)
		resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(req, a.DNSAddr())
		if err != nil {
			t.Fatalf("DNS query: %v", err)
		}
		return len(resp.Answer)
	}
	if n := lookup(); n != 0 {
		t.Fatalf("anonymous DNS lookup answered %d records", n)
	}
	dnsTok := createToken(t, a, `service "web" { policy = "read" } node_prefix "" { policy = "read" }`)
	if r := sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/agent/token/dns", `{"Token":"`+dnsTok+`"}`, mgmt); r.code != http.StatusOK {
		t.Fatalf("set DNS token: %d %s", r.code, r.body)
	}
	eventually(t, "DNS to answer with the DNS token", func() bool { return lookup() == 1 })
}
