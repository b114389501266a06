package api_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/api"
)

// aclAgent starts a dev agent with ACLs on and default deny, and returns
// its address.
func aclAgent(t *testing.T) string {
	t.Helper()
	return agenttest.Start(t, "-hcl", `acl { enabled = true default_policy = "deny" }`).HTTPAddr()
}

func statusCode(err error) int {
	var ce consul.StatusError
	if errors.As(err, &ce) {
		return ce.Code
	}
	var pe api.StatusError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return 0
}

// TestLiveACLOfficialClient drives the ACL endpoints with the official
// client, as Terraform's provider and Vault's secrets engine do.
func TestLiveACLOfficialClient(t *testing.T) {
	addr := aclAgent(t)
	c := newConsulClient(t, addr)
	a := c.ACL()

	boot, _, err := a.Bootstrap()
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	if boot.SecretID == "" || len(boot.Policies) != 1 || boot.Policies[0].Name != "global-management" {
		t.Fatalf("bootstrap token %+v", boot)
	}
	_, _, err = a.Bootstrap()
	if statusCode(err) != 403 || !strings.Contains(err.Error(), "ACL bootstrap no longer allowed (reset index: ") {
		t.Errorf("second bootstrap: %v", err)
	}
	w := &consul.WriteOptions{Token: boot.SecretID}
	q := &consul.QueryOptions{Token: boot.SecretID}

	// Nothing without a token under default deny.
	if _, _, err := a.PolicyList(nil); statusCode(err) != 403 {
		t.Errorf("policy list without a token: %v", err)
	}

	pol, _, err := a.PolicyCreate(&consul.ACLPolicy{Name: "web", Description: "web rights",
		Rules: "service \"web\" {\n  policy = \"write\"\n}\nkey_prefix \"web/\" {\n  policy = \"read\"\n}"}, w)
	if err != nil || pol.ID == "" {
		t.Fatalf("policy create: %+v %v", pol, err)
	}
	_, _, err = a.PolicyCreate(&consul.ACLPolicy{Name: "bad", Rules: "key_prefix \"a\" {\n  policy = \"write\"\n}\nnode \"n\" {\n  policy = \"raed\"\n}"}, w)
	if statusCode(err) != 400 || !strings.Contains(err.Error(), `rules:5: node "n": unknown policy "raed"`) {
		t.Errorf("bad rules: %v", err)
	}
	reader, _, err := a.PolicyCreate(&consul.ACLPolicy{Name: "acl-reader", Rules: `acl = "read"`}, w)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := a.PolicyReadByName("web", q)
	if err != nil || got == nil || got.ID != pol.ID || got.Rules != pol.Rules {
		t.Errorf("policy by name: %+v %v", got, err)
	}
	if none, _, err := a.PolicyReadByName("nope", q); none != nil || statusCode(err) != 403 {
		t.Errorf("unknown policy by name: %+v %v", none, err)
	}
	pols, _, err := a.PolicyList(q)
	if err != nil || len(pols) != 4 { // global-management, builtin/global-read-only, web, acl-reader
		t.Errorf("policy list: %d %v", len(pols), err)
	}

	role, _, err := a.RoleCreate(&consul.ACLRole{Name: "readers", Policies: []*consul.ACLRolePolicyLink{{Name: "acl-reader"}}}, w)
	if err != nil || role.ID == "" || role.Policies[0].ID != reader.ID {
		t.Fatalf("role create: %+v %v", role, err)
	}
	if r, _, err := a.RoleReadByName("readers", q); err != nil || r == nil || r.ID != role.ID {
		t.Errorf("role by name: %+v %v", r, err)
	}
	if r, _, err := a.RoleRead("9d9d9d9d-0000-4000-8000-000000000000", q); err != nil || r != nil {
		t.Errorf("unknown role: %+v %v", r, err)
	}

	tok, _, err := a.TokenCreate(&consul.ACLToken{Description: "web", Policies: []*consul.ACLTokenPolicyLink{{ID: pol.ID}},
		ServiceIdentities: []*consul.ACLServiceIdentity{{ServiceName: "api"}}, ExpirationTTL: time.Hour}, w)
	if err != nil || tok.AccessorID == "" || tok.SecretID == "" || tok.ExpirationTime == nil {
		t.Fatalf("token create: %+v %v", tok, err)
	}
	readTok, _, err := a.TokenCreate(&consul.ACLToken{Description: "reader", Roles: []*consul.ACLTokenRoleLink{{Name: "readers"}}}, w)
	if err != nil {
		t.Fatal(err)
	}
	rq := &consul.QueryOptions{Token: readTok.SecretID}

	// Management sees secrets; acl:read alone does not.
	if r, _, err := a.TokenRead(tok.AccessorID, q); err != nil || r.SecretID != tok.SecretID || r.Policies[0].Name != "web" {
		t.Errorf("token read: %+v %v", r, err)
	}
	if r, _, err := a.TokenRead(tok.AccessorID, rq); err != nil || r.SecretID == tok.SecretID || r.SecretID == "" {
		t.Errorf("token read with acl:read: %+v %v", r, err)
	}
	list, _, err := a.TokenList(rq)
	if err != nil || len(list) != 4 { // anonymous, bootstrap, web, reader
		t.Fatalf("token list: %d %v", len(list), err)
	}
	for _, e := range list {
		if e.SecretID == tok.SecretID || e.SecretID == boot.SecretID || e.SecretID == readTok.SecretID {
			t.Errorf("secret of %s listed to acl:read", e.AccessorID)
		}
	}
	filtered, _, err := a.TokenListFiltered(consul.ACLTokenFilterOptions{ServiceName: "api"}, q)
	if err != nil || len(filtered) != 1 || filtered[0].AccessorID != tok.AccessorID {
		t.Errorf("token list by service: %+v %v", filtered, err)
	}
	if _, _, err := a.TokenCreate(&consul.ACLToken{}, &consul.WriteOptions{Token: readTok.SecretID}); statusCode(err) != 403 {
		t.Errorf("create with acl:read: %v", err)
	}
	self, _, err := a.TokenReadSelf(&consul.QueryOptions{Token: tok.SecretID})
	if err != nil || self.AccessorID != tok.AccessorID {
		t.Errorf("self: %+v %v", self, err)
	}

	clone, _, err := a.TokenClone(tok.AccessorID, "copy", w)
	if err != nil || clone.AccessorID == tok.AccessorID || clone.Description != "copy" || len(clone.Policies) != 1 {
		t.Fatalf("clone: %+v %v", clone, err)
	}
	clone.Description = "changed"
	clone.Policies = nil
	upd, _, err := a.TokenUpdate(clone, w)
	if err != nil || upd.Description != "changed" || len(upd.Policies) != 0 || len(upd.ServiceIdentities) != 1 {
		t.Errorf("update: %+v %v", upd, err)
	}
	if _, err := a.TokenDelete(clone.AccessorID, w); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.TokenRead(clone.AccessorID, q); statusCode(err) != 403 || !strings.Contains(err.Error(), "ACL not found") {
		t.Errorf("deleted token read: %v", err)
	}
	if _, err := a.RoleDelete(role.ID, w); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PolicyDelete(pol.ID, w); err != nil {
		t.Fatal(err)
	}
	if r, _, err := a.TokenRead(tok.AccessorID, q); err != nil || len(r.Policies) != 0 {
		t.Errorf("token after its policy was deleted: %+v %v", r, err)
	}
}

// TestLiveACLPylonClient runs the same calls through Pylon's own client.
func TestLiveACLPylonClient(t *testing.T) {
	c := newClient(t, aclAgent(t))
	a := c.ACL()
	boot, _, err := a.Bootstrap()
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	if _, _, err := a.Bootstrap(); statusCode(err) != 403 {
		t.Errorf("second bootstrap: %v", err)
	}
	w := &api.WriteOptions{Token: boot.SecretID}
	q := &api.QueryOptions{Token: boot.SecretID}
	pol, _, err := a.PolicyCreate(&api.ACLPolicy{Name: "kv", Rules: `key_prefix "" { policy = "read" }`}, w)
	if err != nil {
		t.Fatal(err)
	}
	pol.Description = "all keys"
	if p, _, err := a.PolicyUpdate(pol, w); err != nil || p.Description != "all keys" {
		t.Errorf("policy update: %+v %v", p, err)
	}
	if p, _, err := a.PolicyRead(pol.ID, q); err != nil || p.Name != "kv" {
		t.Errorf("policy read: %+v %v", p, err)
	}
	role, _, err := a.RoleCreate(&api.ACLRole{Name: "kv-readers", Policies: []*api.ACLRolePolicyLink{{ID: pol.ID}}}, w)
	if err != nil {
		t.Fatal(err)
	}
	role.Description = "d"
	if r, _, err := a.RoleUpdate(role, w); err != nil || r.Description != "d" {
		t.Errorf("role update: %+v %v", r, err)
	}
	if roles, _, err := a.RoleList(q); err != nil || len(roles) != 1 {
		t.Errorf("role list: %+v %v", roles, err)
	}
	if r, _, err := a.RoleReadByName("nope", q); err != nil || r != nil {
		t.Errorf("unknown role: %+v %v", r, err)
	}
	tok, _, err := a.TokenCreate(&api.ACLToken{Roles: []*api.ACLTokenRoleLink{{Name: "kv-readers"}}}, w)
	if err != nil {
		t.Fatal(err)
	}
	if self, _, err := a.TokenReadSelf(&api.QueryOptions{Token: tok.SecretID}); err != nil || self.AccessorID != tok.AccessorID {
		t.Errorf("self: %+v %v", self, err)
	}
	if _, _, err := a.PolicyList(&api.QueryOptions{Token: tok.SecretID}); statusCode(err) != 403 {
		t.Errorf("policy list without acl:read: %v", err)
	}
	if list, _, err := a.TokenListFiltered(api.ACLTokenFilterOptions{Role: role.ID}, q); err != nil || len(list) != 1 {
		t.Errorf("tokens by role: %+v %v", list, err)
	}
	if _, err := c.Agent().UpdateDefaultACLToken(tok.SecretID, w); err != nil {
		t.Errorf("set default token: %v", err)
	}
	// With the default token set, a request without a token reads keys.
	if _, _, err := c.KV().Get("any", nil); err != nil {
		t.Errorf("kv read with the default token: %v", err)
	}
	if _, err := a.TokenDelete(tok.AccessorID, w); err != nil {
		t.Fatal(err)
	}
}
