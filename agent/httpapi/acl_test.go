package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// aclTestAPI starts a dev server with ACLs on and an API whose tokens are
// "" (management), "read" (acl = "read") and "none" (no acl rule).
func aclTestAPI(t *testing.T, enabled bool) http.Handler {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.NodeName, cfg.RaftAddr, cfg.Dev, cfg.ACLsEnabled = "acl", "127.0.0.1:0", true, enabled
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitForLeader(ctx); err != nil {
		t.Fatal(err)
	}
	// With ACLs on, the leader creates the anonymous token just after it
	// is elected; the tests read it.
	for enabled && ctx.Err() == nil {
		if _, err := srv.ResolveToken(state.ACLAnonymousTokenSecret); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	tokens := map[string]acl.Authorizer{
		"":     acl.AllowAll(),
		"read": compileRules(t, `acl = "read"`),
		"none": compileRules(t, `key_prefix "" { policy = "write" }`),
	}
	authz := func(token string) (acl.Authorizer, error) {
		if a, ok := tokens[token]; ok {
			return a, nil
		}
		return acl.Compile(acl.Deny), nil
	}
	return New(Config{Datacenter: "dc1", NodeName: "acl", ACLsEnabled: enabled}, srv, nil, authz,
		slog.New(slog.DiscardHandler)).Handler()
}

func compileRules(t *testing.T, rules string) acl.Authorizer {
	t.Helper()
	rs, err := acl.ParseRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	return acl.Compile(acl.Deny, rs)
}

// doAs sends one request with a token and returns the status and body.
func doAs(h http.Handler, token, method, url, body string) (int, string) {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// mustDo sends a request as the management token, wants 200 and decodes
// the body into out.
func mustDo(t *testing.T, h http.Handler, method, url, body string, out any) {
	t.Helper()
	code, got := doAs(h, "", method, url, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s = %d %s", method, url, code, got)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, got)
		}
	}
}

func TestACLDisabledAnswers401(t *testing.T) {
	h := aclTestAPI(t, false)
	n := 0
	for _, rt := range routeTable() {
		if !strings.HasPrefix(rt.path, "/v1/acl/") && rt.path != "/v1/agent/token/" {
			continue
		}
		for _, m := range rt.methods {
			n++
			code, body := doAs(h, "", m, rt.path+"x", "{}")
			if rt.path[len(rt.path)-1] != '/' {
				code, body = doAs(h, "", m, rt.path, "{}")
			}
			if code != http.StatusUnauthorized || body != "ACL support disabled" {
				t.Errorf("%s %s = %d %q, want 401 ACL support disabled", m, rt.path, code, body)
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d ACL routes found", n)
	}
}

func TestACLBootstrapOnce(t *testing.T) {
	h := aclTestAPI(t, true)
	var tok api.ACLToken
	mustDo(t, h, "PUT", "/v1/acl/bootstrap", "", &tok)
	if tok.AccessorID == "" || tok.SecretID == "" || len(tok.Policies) != 1 || tok.Policies[0].Name != "global-management" {
		t.Fatalf("bootstrap token %+v", tok)
	}
	code, body := doAs(h, "", "PUT", "/v1/acl/bootstrap", "")
	if code != http.StatusForbidden || !strings.Contains(body, "ACL bootstrap no longer allowed (reset index: ") {
		t.Errorf("second bootstrap = %d %q", code, body)
	}
	if code, body := doAs(h, "", "PUT", "/v1/acl/bootstrap", `{"BootstrapSecret":"x"}`); code != http.StatusBadRequest {
		t.Errorf("bootstrap with a secret = %d %q", code, body)
	}
}

func TestACLPolicyEndpoints(t *testing.T) {
	h := aclTestAPI(t, true)
	var p api.ACLPolicy
	mustDo(t, h, "PUT", "/v1/acl/policy", `{"Name":"kv-app","Description":"d","Rules":"key_prefix \"app/\" {\n policy = \"write\"\n}"}`, &p)
	if p.ID == "" || p.Name != "kv-app" || len(p.Hash) == 0 || p.CreateIndex == 0 {
		t.Fatalf("created %+v", p)
	}
	var byName api.ACLPolicy
	mustDo(t, h, "GET", "/v1/acl/policy/name/kv-app", "", &byName)
	if byName.ID != p.ID || !strings.Contains(byName.Rules, `key_prefix "app/"`) {
		t.Errorf("by name %+v", byName)
	}
	// The list leaves the rules out.
	code, body := doAs(h, "read", "GET", "/v1/acl/policies", "")
	if code != 200 || strings.Contains(body, `"Rules"`) || !strings.Contains(body, `"kv-app"`) || !strings.Contains(body, `"global-management"`) {
		t.Errorf("list = %d %s", code, body)
	}
	var upd api.ACLPolicy
	mustDo(t, h, "PUT", "/v1/acl/policy/"+p.ID, `{"Name":"kv-app2","Rules":"key \"a\" { policy = \"read\" }"}`, &upd)
	if upd.ID != p.ID || upd.Name != "kv-app2" || upd.ModifyIndex <= p.ModifyIndex {
		t.Errorf("updated %+v", upd)
	}

	tests := []struct {
		name, token, method, url, body string
		code                           int
		want                           string
	}{
		{"bad policy value", "", "PUT", "/v1/acl/policy", "{\"Name\":\"bad\",\"Rules\":\"\\nkey_prefix \\\"app/\\\" { policy = \\\"raed\\\" }\"}", 400,
			`Invalid Policy: failed to parse rules: rules:2: key_prefix "app/": unknown policy "raed"`},
		{"unknown resource", "", "PUT", "/v1/acl/policy", `{"Name":"bad","Rules":"kye \"a\" { policy = \"read\" }"}`, 400, `rules:1: `},
		{"bad JSON rules", "", "PUT", "/v1/acl/policy", `{"Name":"bad","Rules":"{\"key\": 1"}`, 400, `failed to parse rules`},
		{"no name", "", "PUT", "/v1/acl/policy", `{"Rules":""}`, 400, `no Name is set`},
		{"ID on create", "", "PUT", "/v1/acl/policy", `{"ID":"x","Name":"y"}`, 400, `cannot specify an ID`},
		{"ID mismatch", "", "PUT", "/v1/acl/policy/" + p.ID, `{"ID":"other","Name":"y"}`, 400, `do not match`},
		{"update unknown", "", "PUT", "/v1/acl/policy/9d9d9d9d-0000-4000-8000-000000000000", `{"Name":"y"}`, 400, `cannot find policy`},
		{"bad body", "", "PUT", "/v1/acl/policy", `{`, 400, `Request decode failed`},
		{"read unknown", "", "GET", "/v1/acl/policy/9d9d9d9d-0000-4000-8000-000000000000", "", 403, `ACL not found`},
		{"read unknown name", "", "GET", "/v1/acl/policy/name/nope", "", 403, `ACL not found`},
		{"write without acl:write", "read", "PUT", "/v1/acl/policy", `{"Name":"z"}`, 403, `Permission denied`},
		{"delete without acl:write", "read", "DELETE", "/v1/acl/policy/" + p.ID, "", 403, `Permission denied`},
		{"read without acl:read", "none", "GET", "/v1/acl/policy/" + p.ID, "", 403, `Permission denied`},
		{"list without acl:read", "none", "GET", "/v1/acl/policies", "", 403, `Permission denied`},
		{"read with acl:read", "read", "GET", "/v1/acl/policy/" + p.ID, "", 200, `"kv-app2"`},
		{"name path is read only", "", "PUT", "/v1/acl/policy/name/kv-app2", "{}", 405, `not allowed`},
		{"delete built-in", "", "DELETE", "/v1/acl/policy/00000000-0000-0000-0000-000000000001", "", 400, ``},
		{"delete", "", "DELETE", "/v1/acl/policy/" + p.ID, "", 200, `true`},
		{"gone", "", "GET", "/v1/acl/policy/" + p.ID, "", 403, `ACL not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := doAs(h, tt.token, tt.method, tt.url, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.url, code, body, tt.code, tt.want)
			}
		})
	}
}

func TestACLTokenEndpoints(t *testing.T) {
	h := aclTestAPI(t, true)
	mustDo(t, h, "PUT", "/v1/acl/policy", `{"Name":"web","Rules":"service \"web\" { policy = \"write\" }"}`, nil)
	var tok api.ACLToken
	mustDo(t, h, "PUT", "/v1/acl/token", `{"Description":"web token","Policies":[{"Name":"web"}],`+
		`"ServiceIdentities":[{"ServiceName":"api"}],"ExpirationTTL":"1h"}`, &tok)
	if tok.AccessorID == "" || tok.SecretID == "" || len(tok.Policies) != 1 || tok.Policies[0].ID == "" ||
		tok.ExpirationTime == nil || tok.ExpirationTTL != time.Hour || len(tok.Hash) == 0 {
		t.Fatalf("created %+v", tok)
	}
	// Secrets only for acl:write.
	var asMgmt, asReader api.ACLToken
	mustDo(t, h, "GET", "/v1/acl/token/"+tok.AccessorID, "", &asMgmt)
	if asMgmt.SecretID != tok.SecretID || asMgmt.Description != "web token" {
		t.Errorf("management read %+v", asMgmt)
	}
	code, body := doAs(h, "read", "GET", "/v1/acl/token/"+tok.AccessorID, "")
	if code != 200 || json.Unmarshal([]byte(body), &asReader) != nil || asReader.SecretID != hiddenSecret || strings.Contains(body, tok.SecretID) {
		t.Errorf("reader read = %d %s", code, body)
	}
	code, body = doAs(h, "read", "GET", "/v1/acl/tokens", "")
	if code != 200 || strings.Contains(body, tok.SecretID) || !strings.Contains(body, tok.AccessorID) {
		t.Errorf("reader list = %d %s", code, body)
	}
	var list []api.ACLTokenListEntry
	mustDo(t, h, "GET", "/v1/acl/tokens?servicename=api", "", &list)
	if len(list) != 1 || list[0].SecretID != tok.SecretID {
		t.Errorf("list by service = %+v", list)
	}
	mustDo(t, h, "GET", "/v1/acl/tokens?policy="+tok.Policies[0].ID, "", &list)
	if len(list) != 1 || list[0].AccessorID != tok.AccessorID {
		t.Errorf("list by policy = %+v", list)
	}
	mustDo(t, h, "GET", "/v1/acl/tokens?authmethod=k8s", "", &list)
	if len(list) != 0 {
		t.Errorf("list by auth method = %+v", list)
	}
	var clone api.ACLToken
	mustDo(t, h, "PUT", "/v1/acl/token/"+tok.AccessorID+"/clone", `{"Description":"copy"}`, &clone)
	if clone.AccessorID == tok.AccessorID || clone.SecretID == tok.SecretID || clone.Description != "copy" || len(clone.Policies) != 1 {
		t.Errorf("clone %+v", clone)
	}
	var upd api.ACLToken
	mustDo(t, h, "PUT", "/v1/acl/token/"+clone.AccessorID, `{"Description":"changed"}`, &upd)
	if upd.Description != "changed" || upd.SecretID != clone.SecretID || len(upd.Policies) != 0 {
		t.Errorf("update %+v", upd)
	}

	tests := []struct {
		name, token, method, url, body string
		code                           int
		want                           string
	}{
		{"self without a token", "", "GET", "/v1/acl/token/self", "", 200, `"SecretID":"anonymous"`},
		{"self with an unknown secret", "bogus", "GET", "/v1/acl/token/self", "", 403, `ACL not found`},
		{"unknown", "", "GET", "/v1/acl/token/9d9d9d9d-0000-4000-8000-000000000000", "", 403, `ACL not found`},
		{"unknown policy link", "", "PUT", "/v1/acl/token", `{"Policies":[{"Name":"nope"}]}`, 400, `nope`},
		{"TTL too short", "", "PUT", "/v1/acl/token", `{"ExpirationTTL":"1s"}`, 400, `expiration TTL`},
		{"templated policies", "", "PUT", "/v1/acl/token", `{"TemplatedPolicies":[{"TemplateName":"builtin/dns"}]}`, 400, `templated policies`},
		{"accessor mismatch", "", "PUT", "/v1/acl/token/" + tok.AccessorID, `{"AccessorID":"x"}`, 400, `do not match`},
		{"update unknown", "", "PUT", "/v1/acl/token/9d9d9d9d-0000-4000-8000-000000000000", `{}`, 400, `cannot find token`},
		{"clone unknown", "", "PUT", "/v1/acl/token/9d9d9d9d-0000-4000-8000-000000000000/clone", ``, 400, `cannot find token`},
		{"clone by GET", "", "GET", "/v1/acl/token/" + tok.AccessorID + "/clone", ``, 405, `not allowed`},
		{"bad sub-path", "", "GET", "/v1/acl/token/" + tok.AccessorID + "/other", ``, 404, `Invalid URL path`},
		{"missing ID", "", "GET", "/v1/acl/token/", ``, 400, `Missing token ID`},
		{"create without acl:write", "read", "PUT", "/v1/acl/token", `{}`, 403, `Permission denied`},
		{"clone without acl:write", "read", "PUT", "/v1/acl/token/" + tok.AccessorID + "/clone", ``, 403, `Permission denied`},
		{"read without acl:read", "none", "GET", "/v1/acl/token/" + tok.AccessorID, ``, 403, `Permission denied`},
		{"list without acl:read", "none", "GET", "/v1/acl/tokens", ``, 403, `Permission denied`},
		{"delete", "", "DELETE", "/v1/acl/token/" + clone.AccessorID, ``, 200, `true`},
		{"gone", "", "GET", "/v1/acl/token/" + clone.AccessorID, ``, 403, `ACL not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := doAs(h, tt.token, tt.method, tt.url, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.url, code, body, tt.code, tt.want)
			}
		})
	}
	// token/self with the token's own secret needs no acl rule.
	req := httptest.NewRequest("GET", "/v1/acl/token/self", nil)
	req.Header.Set("X-Consul-Token", tok.SecretID)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var self api.ACLToken
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &self) != nil || self.AccessorID != tok.AccessorID || self.SecretID != tok.SecretID {
		t.Errorf("self = %d %s", w.Code, w.Body)
	}
}

func TestACLRoleEndpoints(t *testing.T) {
	h := aclTestAPI(t, true)
	var p api.ACLPolicy
	mustDo(t, h, "PUT", "/v1/acl/policy", `{"Name":"ro","Rules":"node_prefix \"\" { policy = \"read\" }"}`, &p)
	var r api.ACLRole
	mustDo(t, h, "PUT", "/v1/acl/role", `{"Name":"ops","Description":"d","Policies":[{"ID":"`+p.ID+`"}],`+
		`"NodeIdentities":[{"NodeName":"n1","Datacenter":"dc1"}]}`, &r)
	if r.ID == "" || len(r.Policies) != 1 || r.Policies[0].Name != "ro" || len(r.NodeIdentities) != 1 {
		t.Fatalf("created %+v", r)
	}
	var byName api.ACLRole
	mustDo(t, h, "GET", "/v1/acl/role/name/ops", "", &byName)
	if byName.ID != r.ID {
		t.Errorf("by name %+v", byName)
	}
	var list []api.ACLRole
	mustDo(t, h, "GET", "/v1/acl/roles?policy="+p.ID, "", &list)
	if len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("list by policy %+v", list)
	}
	var tok api.ACLToken
	mustDo(t, h, "PUT", "/v1/acl/token", `{"Roles":[{"Name":"ops"}]}`, &tok)
	if len(tok.Roles) != 1 || tok.Roles[0].ID != r.ID {
		t.Errorf("token with role %+v", tok)
	}
	tests := []struct {
		name, token, method, url, body string
		code                           int
		want                           string
	}{
		{"unknown", "", "GET", "/v1/acl/role/9d9d9d9d-0000-4000-8000-000000000000", "", 404, ``},
		{"unknown name", "", "GET", "/v1/acl/role/name/nope", "", 404, ``},
		{"no name", "", "PUT", "/v1/acl/role", `{}`, 400, `no Name is set`},
		{"unknown policy", "", "PUT", "/v1/acl/role", `{"Name":"x","Policies":[{"Name":"nope"}]}`, 400, `nope`},
		{"ID mismatch", "", "PUT", "/v1/acl/role/" + r.ID, `{"ID":"x","Name":"x"}`, 400, `do not match`},
		{"write without acl:write", "read", "PUT", "/v1/acl/role", `{"Name":"x"}`, 403, `Permission denied`},
		{"list without acl:read", "none", "GET", "/v1/acl/roles", ``, 403, `Permission denied`},
		{"update", "", "PUT", "/v1/acl/role/" + r.ID, `{"Name":"ops2"}`, 200, `"ops2"`},
		{"delete", "", "DELETE", "/v1/acl/role/" + r.ID, "", 200, `true`},
		{"gone", "", "GET", "/v1/acl/role/" + r.ID, "", 404, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := doAs(h, tt.token, tt.method, tt.url, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.url, code, body, tt.code, tt.want)
			}
		})
	}
}

func TestACLRulesTranslate(t *testing.T) {
	h := aclTestAPI(t, true)
	rules := `key_prefix "" { policy = "read" }`
	if code, body := doAs(h, "read", "POST", "/v1/acl/rules/translate", rules); code != 200 || body != rules {
		t.Errorf("translate = %d %q", code, body)
	}
	if code, body := doAs(h, "read", "POST", "/v1/acl/rules/translate", `key_prefix "" { policy = "raed" }`); code != 400 || !strings.Contains(body, "rules:1") {
		t.Errorf("bad rules = %d %q", code, body)
	}
	if code, _ := doAs(h, "none", "POST", "/v1/acl/rules/translate", rules); code != 403 {
		t.Errorf("without acl:read = %d", code)
	}
}

func FuzzACLTokenBody(f *testing.F) {
	f.Add([]byte(`{"Description":"d","Policies":[{"Name":"web"}],"ExpirationTTL":"1h"}`))
	f.Add([]byte(`{"AccessorID":"a","SecretID":"s","ServiceIdentities":[null,{"ServiceName":"x","Datacenters":["dc1"]}],"ExpirationTTL":3600000000000}`))
	f.Add([]byte(`{"NodeIdentities":[{"NodeName":"n"}],"ExpirationTime":"2030-01-01T00:00:00Z","Roles":[null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in tokenIn
		if json.Unmarshal(body, &in) != nil {
			return
		}
		tok := fromTokenIn(&in)
		if tok.ExpirationTTL != in.ExpirationTTL.Duration() || len(tok.Policies) > len(in.Policies) {
			t.Fatalf("token %+v from %s", tok, body)
		}
		_ = toAPIToken(tok, false)
	})
}
