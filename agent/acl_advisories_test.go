package agent

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// Tests for the ACL bug classes of Consul's advisories (lessons.md); the
// endpoint sweep covers "ACLs not enforced on every endpoint"
// (CVE-2020-7955) and "secrets shown to read-scoped tokens".

// TestACLPrefixWriteCannotDeleteOutside: a token with write on the prefix
// "app/" cannot delete keys outside it with a recursive delete of a
// shorter prefix, over KV or in a transaction (Consul GH-5888).
func TestACLPrefixWriteCannotDeleteOutside(t *testing.T) {
	a, mgmt := startACLAgent(t)
	for _, k := range []string{"app/a", "apple", "other"} {
		if r := sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/kv/"+k, "v", mgmt); r.code != http.StatusOK {
			t.Fatalf("put %s: %d %s", k, r.code, r.body)
		}
	}
	tok := createToken(t, a, `key_prefix "app/" { policy = "write" }`)
	cases := []struct {
		method, target, body string
		want                 int
	}{
		{http.MethodDelete, "/v1/kv/app?recurse", "", http.StatusForbidden},
		{http.MethodDelete, "/v1/kv/?recurse", "", http.StatusForbidden},
		{http.MethodDelete, "/v1/kv/ap?recurse", "", http.StatusForbidden},
		{http.MethodPut, "/v1/txn", `[{"KV":{"Verb":"delete-tree","Key":"app"}}]`, http.StatusConflict},
		{http.MethodPut, "/v1/txn", `[{"KV":{"Verb":"delete-tree","Key":""}}]`, http.StatusConflict},
		{http.MethodDelete, "/v1/kv/app/?recurse", "", http.StatusOK},
	}
	for _, c := range cases {
		if r := sweepCall(t, a.HTTPAddr(), c.method, c.target, c.body, tok); r.code != c.want {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.target, c.body, r.code, r.body, c.want)
		}
	}
	for k, want := range map[string]int{"apple": http.StatusOK, "other": http.StatusOK, "app/a": http.StatusNotFound} {
		if r := sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/kv/"+k, "", mgmt); r.code != want {
			t.Errorf("after the deletes, GET %s: %d, want %d", k, r.code, want)
		}
	}
}

// TestACLProxyNeedsWriteOnItsDestination: a token that may write the
// service "web" cannot register a proxy for "db", by any registration
// path (Consul CVE-2021-38698 was the transaction path).
func TestACLProxyNeedsWriteOnItsDestination(t *testing.T) {
	a, _ := startACLAgent(t)
	tok := createToken(t, a, `service "web" { policy = "write" } node "node1" { policy = "write" }`)
	proxy := `"Kind":"connect-proxy","Proxy":{"DestinationServiceName":"db"}`
	cases := []struct {
		target, body string
		want         int
	}{
		{"/v1/agent/service/register", `{"ID":"p1","Name":"web","Port":21000,` + proxy + `}`, http.StatusForbidden},
		{"/v1/catalog/register", `{"Node":"node1","Address":"127.0.0.1","Service":{"ID":"p1","Service":"web","Port":21000,` + proxy + `}}`, http.StatusForbidden},
		{"/v1/txn", `[{"Service":{"Verb":"set","Node":"node1","Service":{"ID":"p1","Service":"web","Port":21000,` + proxy + `}}}]`, http.StatusConflict},
		// A sidecar is a proxy registration too.
		{"/v1/agent/service/register", `{"ID":"w1","Name":"web","Connect":{"SidecarService":{"Name":"db"}}}`, http.StatusForbidden},
		{"/v1/agent/service/register", `{"ID":"w2","Name":"web","Connect":{"SidecarService":{"ID":"w2p","Name":"web","Proxy":{"DestinationServiceName":"db"}}}}`, http.StatusForbidden},
		// Its own proxy is fine.
		{"/v1/agent/service/register", `{"ID":"p2","Name":"web","Port":21001,"Kind":"connect-proxy","Proxy":{"DestinationServiceName":"web"}}`, http.StatusOK},
	}
	for _, c := range cases {
		r := sweepCall(t, a.HTTPAddr(), http.MethodPut, c.target, c.body, tok)
		if r.code != c.want {
			t.Errorf("PUT %s: %d %s, want %d", c.target, r.code, r.body, c.want)
		}
		if c.want != http.StatusOK && !strings.Contains(r.body, "Permission denied") {
			t.Errorf("PUT %s: body %q, want Permission denied", c.target, r.body)
		}
	}
}

// TestACLPreparedQueryWithDeletedToken: executing a query whose stored
// token was deleted is 403 "ACL not found", not a 500, and shows nothing.
func TestACLPreparedQueryWithDeletedToken(t *testing.T) {
	a, mgmt := startACLAgent(t)
	sweepCall(t, a.HTTPAddr(), http.MethodPut, "/v1/agent/service/register", `{"ID":"web1","Name":"web"}`, mgmt)
	tok := state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}}
	if _, err := a.server.ACLTokenSet(context.Background(), &tok, true); err != nil {
		t.Fatal(err)
	}
	r := sweepCall(t, a.HTTPAddr(), http.MethodPost, "/v1/query", `{"Name":"q","Token":"`+tok.SecretID+`","Service":{"Service":"web"}}`, mgmt)
	if r.code != http.StatusOK {
		t.Fatalf("create query: %d %s", r.code, r.body)
	}
	if _, err := a.server.ACLTokenDelete(context.Background(), tok.AccessorID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the token to be forgotten", func() bool {
		r = sweepCall(t, a.HTTPAddr(), http.MethodGet, "/v1/query/q/execute", "", mgmt)
		return r.code != http.StatusOK
	})
	if r.code != http.StatusForbidden || r.body != "ACL not found" {
		t.Fatalf("execute: %d %q, want 403 ACL not found", r.code, r.body)
	}
}
