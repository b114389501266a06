package state

import (
	"bufio"
	"bytes"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

const (
	polA   = "10000000-0000-4000-8000-00000000000a"
	polB   = "10000000-0000-4000-8000-00000000000b"
	roleA  = "20000000-0000-4000-8000-00000000000a"
	tokA   = "30000000-0000-4000-8000-00000000000a"
	secA   = "40000000-0000-4000-8000-00000000000a"
	tokB   = "30000000-0000-4000-8000-00000000000b"
	secB   = "40000000-0000-4000-8000-00000000000b"
	bootID = "30000000-0000-4000-8000-0000000000ff"
	bootSc = "40000000-0000-4000-8000-0000000000ff"
)

func setPolicy(s *Store, idx uint64, p ACLPolicy) error {
	return s.ACLPolicyApply(idx, &ACLPolicyRequest{Op: ACLSet, Policy: p})
}

func setRole(s *Store, idx uint64, r ACLRole) error {
	return s.ACLRoleApply(idx, &ACLRoleRequest{Op: ACLSet, Role: r})
}

func setToken(s *Store, idx uint64, t ACLToken) error {
	return s.ACLTokenApply(idx, &ACLTokenRequest{Op: ACLSet, Token: t})
}

func mustACL(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// aclFixture holds the built-ins, policies A and B, a role linking B with
// a service identity, and token A linking A and the role.
func aclFixture(t testing.TB) *Store {
	t.Helper()
	s := newStore(t)
	mustACL(t, s.ACLInit(1, &ACLInitRequest{CreateTime: time.Unix(100, 0).UTC()}))
	mustACL(t, setPolicy(s, 2, ACLPolicy{ID: polA, Name: "pol-a", Rules: `key_prefix "" { policy = "read" }`}))
	mustACL(t, setPolicy(s, 3, ACLPolicy{ID: polB, Name: "pol-b", Datacenters: []string{"dc2"}}))
	mustACL(t, setRole(s, 4, ACLRole{ID: roleA, Name: "role-a", Policies: []ACLLink{{Name: "pol-b"}},
		ServiceIdentities: []ACLServiceIdentity{{ServiceName: "db"}}}))
	mustACL(t, setToken(s, 5, ACLToken{AccessorID: tokA, SecretID: secA, Description: "a",
		Policies: []ACLLink{{ID: polA}, {Name: "pol-a"}}, Roles: []ACLLink{{Name: "role-a"}},
		ServiceIdentities: []ACLServiceIdentity{{ServiceName: "web", Datacenters: []string{"dc1"}}},
		NodeIdentities:    []ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}},
		CreateTime:        time.Unix(200, 0).UTC()}))
	return s
}

func TestACLPolicyValidation(t *testing.T) {
	tests := []struct {
		name string
		req  ACLPolicyRequest
		ok   bool
	}{
		{"create", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "50000000-0000-4000-8000-000000000001", Name: "new_1-X"}}, true},
		{"bad ID", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "nope", Name: "x"}}, false},
		{"reserved ID", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "00000000-0000-0000-0000-000000000009", Name: "x"}}, false},
		{"empty name", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "50000000-0000-4000-8000-000000000001"}}, false},
		{"bad name", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "50000000-0000-4000-8000-000000000001", Name: "a b"}}, false},
		{"long name", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "50000000-0000-4000-8000-000000000001",
			Name: string(bytes.Repeat([]byte("a"), 129))}}, false},
		{"name taken", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: "50000000-0000-4000-8000-000000000001", Name: "POL-A"}}, false},
		{"rename", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: polB, Name: "pol-b2"}}, true},
		{"keep own name", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: polA, Name: "pol-a", Description: "d"}}, true},
		{"builtin rules", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: ACLGlobalManagementPolicyID,
			Name: ACLGlobalManagementPolicyName, Rules: "acl = \"read\""}}, false},
		{"builtin datacenters", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: ACLGlobalManagementPolicyID,
			Name: ACLGlobalManagementPolicyName, Rules: ACLGlobalManagementRules, Datacenters: []string{"dc1"}}}, false},
		{"builtin description", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: ACLGlobalManagementPolicyID,
			Name: ACLGlobalManagementPolicyName, Rules: ACLGlobalManagementRules, Description: "mine"}}, true},
		{"builtin read-only keeps its name", ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: ACLGlobalReadOnlyPolicyID,
			Name: ACLGlobalReadOnlyPolicyName, Rules: ACLGlobalReadOnlyRules}}, true},
		{"delete builtin", ACLPolicyRequest{Op: ACLDelete, Policy: ACLPolicy{ID: ACLGlobalManagementPolicyID}}, false},
		{"delete", ACLPolicyRequest{Op: ACLDelete, Policy: ACLPolicy{ID: polA}}, true},
		{"delete unknown", ACLPolicyRequest{Op: ACLDelete, Policy: ACLPolicy{ID: "nope"}}, true},
		{"unknown op", ACLPolicyRequest{Op: "merge", Policy: ACLPolicy{ID: polA, Name: "pol-a"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := aclFixture(t)
			before := dumpACL(t, s)
			err := s.ACLPolicyApply(10, &tt.req)
			if tt.ok {
				mustACL(t, err)
				if tt.req.Op == ACLSet {
					_, p, _ := s.ACLPolicyGet(nil, tt.req.Policy.ID)
					if p == nil || p.Name != tt.req.Policy.Name || p.ModifyIndex != 10 || len(p.Hash) == 0 {
						t.Fatalf("stored %+v", p)
					}
				}
				return
			}
			wantErr(t, err, ErrInvalidACL)
			if !reflect.DeepEqual(dumpACL(t, s), before) {
				t.Fatal("a refused write changed the store")
			}
		})
	}
}

func TestACLRoleValidation(t *testing.T) {
	newID := "50000000-0000-4000-8000-000000000002"
	tests := []struct {
		name string
		role ACLRole
		ok   bool
	}{
		{"create", ACLRole{ID: newID, Name: "r2", Policies: []ACLLink{{ID: polA}}}, true},
		{"bad ID", ACLRole{ID: "x", Name: "r2"}, false},
		{"bad name", ACLRole{ID: newID, Name: "r/2"}, false},
		{"name taken", ACLRole{ID: newID, Name: "Role-A"}, false},
		{"unknown policy ID", ACLRole{ID: newID, Name: "r2", Policies: []ACLLink{{ID: newID}}}, false},
		{"unknown policy name", ACLRole{ID: newID, Name: "r2", Policies: []ACLLink{{Name: "nope"}}}, false},
		{"bad service identity", ACLRole{ID: newID, Name: "r2", ServiceIdentities: []ACLServiceIdentity{{ServiceName: "Web"}}}, false},
		{"node identity without datacenter", ACLRole{ID: newID, Name: "r2", NodeIdentities: []ACLNodeIdentity{{NodeName: "n1"}}}, false},
		{"node identity", ACLRole{ID: newID, Name: "r2", NodeIdentities: []ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}}}, true},
		{"update", ACLRole{ID: roleA, Name: "role-a2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := aclFixture(t)
			before := dumpACL(t, s)
			err := setRole(s, 10, tt.role)
			if tt.ok {
				mustACL(t, err)
				return
			}
			wantErr(t, err, ErrInvalidACL)
			if !reflect.DeepEqual(dumpACL(t, s), before) {
				t.Fatal("a refused write changed the store")
			}
		})
	}
	s := aclFixture(t)
	mustACL(t, s.ACLRoleApply(10, &ACLRoleRequest{Op: ACLDelete, Role: ACLRole{ID: roleA}}))
	if _, r, _ := s.ACLRoleGet(nil, roleA); r != nil {
		t.Fatal("deleted role still read")
	}
}

func TestACLTokenValidation(t *testing.T) {
	exp := time.Unix(5000, 0).UTC()
	tests := []struct {
		name string
		tok  ACLToken
		ok   bool
	}{
		{"create", ACLToken{AccessorID: tokB, SecretID: secB, Policies: []ACLLink{{Name: "pol-b"}}, ExpirationTime: &exp}, true},
		{"bad accessor", ACLToken{AccessorID: "x", SecretID: secB}, false},
		{"reserved accessor", ACLToken{AccessorID: "00000000-0000-0000-0000-000000000007", SecretID: secB}, false},
		{"no secret", ACLToken{AccessorID: tokB}, false},
		{"secret taken", ACLToken{AccessorID: tokB, SecretID: secA}, false},
		{"unknown role", ACLToken{AccessorID: tokB, SecretID: secB, Roles: []ACLLink{{Name: "nope"}}}, false},
		{"bad node identity", ACLToken{AccessorID: tokB, SecretID: secB, NodeIdentities: []ACLNodeIdentity{{NodeName: "-n", Datacenter: "dc1"}}}, false},
		{"update keeps secret", ACLToken{AccessorID: tokA, Description: "new"}, true},
		{"update same secret", ACLToken{AccessorID: tokA, SecretID: secA}, true},
		{"update changes secret", ACLToken{AccessorID: tokA, SecretID: secB}, false},
		{"update toggles local", ACLToken{AccessorID: tokA, Local: true}, false},
		{"update sets expiry", ACLToken{AccessorID: tokA, ExpirationTime: &exp}, false},
		{"anonymous update", ACLToken{AccessorID: ACLAnonymousTokenID, Policies: []ACLLink{{ID: polA}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := aclFixture(t)
			before := dumpACL(t, s)
			err := setToken(s, 10, tt.tok)
			if !tt.ok {
				wantErr(t, err, ErrInvalidACL)
				if !reflect.DeepEqual(dumpACL(t, s), before) {
					t.Fatal("a refused write changed the store")
				}
				return
			}
			mustACL(t, err)
			_, got, _ := s.ACLTokenGet(nil, tt.tok.AccessorID)
			old, _ := before["token."+tt.tok.AccessorID].(*ACLToken)
			if old != nil && (got.SecretID != old.SecretID || got.CreateIndex != old.CreateIndex ||
				!got.CreateTime.Equal(old.CreateTime)) {
				t.Fatalf("update lost immutable fields: %+v (was %+v)", got, old)
			}
			if got.ModifyIndex != 10 {
				t.Fatalf("ModifyIndex = %d, want 10", got.ModifyIndex)
			}
		})
	}
	s := aclFixture(t)
	wantErr(t, s.ACLTokenApply(10, &ACLTokenRequest{Op: ACLDelete, Token: ACLToken{AccessorID: ACLAnonymousTokenID}}), ErrInvalidACL)
	mustACL(t, s.ACLTokenApply(10, &ACLTokenRequest{Op: ACLDelete, Token: ACLToken{AccessorID: tokA}}))
	if _, tok, _ := s.ACLTokenGet(nil, tokA); tok != nil {
		t.Fatal("deleted token still read")
	}
}

// TestACLLinksByName: links are stored by ID, read with the current names,
// and dropped from reads when the linked record goes.
func TestACLLinksByName(t *testing.T) {
	s := aclFixture(t)
	_, tok, _ := s.ACLTokenGet(nil, tokA)
	if want := []ACLLink{{polA, "pol-a"}}; !reflect.DeepEqual(tok.Policies, want) {
		t.Fatalf("policies %v, want %v (deduplicated, named)", tok.Policies, want)
	}
	if want := []ACLLink{{roleA, "role-a"}}; !reflect.DeepEqual(tok.Roles, want) {
		t.Fatalf("roles %v, want %v", tok.Roles, want)
	}
	mustACL(t, setPolicy(s, 10, ACLPolicy{ID: polA, Name: "renamed"}))
	if _, tok, _ = s.ACLTokenGet(nil, tokA); tok.Policies[0].Name != "renamed" {
		t.Fatalf("rename not seen: %v", tok.Policies)
	}
	ws := memdb.NewWatchSet()
	s.ACLTokenGet(ws, tokA)
	mustACL(t, s.ACLPolicyApply(11, &ACLPolicyRequest{Op: ACLDelete, Policy: ACLPolicy{ID: polA}}))
	mustACL(t, s.ACLPolicyApply(12, &ACLPolicyRequest{Op: ACLDelete, Policy: ACLPolicy{ID: polB}}))
	if !fired(ws) {
		t.Fatal("deleting a linked policy did not wake a token read")
	}
	idx, tok, _ := s.ACLTokenGet(nil, tokA)
	if len(tok.Policies) != 0 || idx != 12 {
		t.Fatalf("after delete: policies %v, index %d; want none, 12", tok.Policies, idx)
	}
	if _, r, _ := s.ACLRoleGet(nil, roleA); len(r.Policies) != 0 {
		t.Fatalf("role still links a deleted policy: %v", r.Policies)
	}
	// The stored record still holds the IDs; reads never change it.
	raw, _ := s.db.Load().Txn(false).First(tableACLTokens, indexID, tokA)
	if len(raw.(*ACLToken).Policies) != 1 || raw.(*ACLToken).Policies[0].Name != "" {
		t.Fatalf("stored links %v, want the ID only", raw.(*ACLToken).Policies)
	}
	if _, list, _ := s.ACLTokenList(nil, ACLTokenFilter{Policy: polA}); len(list) != 0 {
		t.Fatalf("list by a deleted policy = %d tokens", len(list))
	}
}

func TestACLTokenListFilters(t *testing.T) {
	s := aclFixture(t)
	mustACL(t, setToken(s, 6, ACLToken{AccessorID: tokB, SecretID: secB, Policies: []ACLLink{{ID: polB}}}))
	tests := []struct {
		f    ACLTokenFilter
		want []string
	}{
		{ACLTokenFilter{}, []string{ACLAnonymousTokenID, tokA, tokB}},
		{ACLTokenFilter{Policy: polA}, []string{tokA}},
		{ACLTokenFilter{Policy: polB}, []string{tokB}}, // through a role does not count
		{ACLTokenFilter{Role: roleA}, []string{tokA}},
		{ACLTokenFilter{ServiceName: "web"}, []string{tokA}},
		{ACLTokenFilter{ServiceName: "db"}, nil},
		{ACLTokenFilter{Policy: polA, Role: roleA}, []string{tokA}},
		{ACLTokenFilter{Policy: polB, Role: roleA}, nil},
	}
	for _, tt := range tests {
		_, list, err := s.ACLTokenList(nil, tt.f)
		mustACL(t, err)
		var got []string
		for _, tok := range list {
			got = append(got, tok.AccessorID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("filter %+v = %v, want %v", tt.f, got, tt.want)
		}
	}
	_, roles, _ := s.ACLRoleList(nil, polB)
	if len(roles) != 1 || roles[0].ID != roleA {
		t.Fatalf("roles of pol-b = %v", roles)
	}
	if _, roles, _ = s.ACLRoleList(nil, polA); len(roles) != 0 {
		t.Fatalf("roles of pol-a = %v", roles)
	}
}

func TestACLTokenResolve(t *testing.T) {
	s := aclFixture(t)
	res, err := s.ACLTokenResolve(nil, secA)
	mustACL(t, err)
	var ids []string
	for _, p := range res.Policies {
		ids = append(ids, p.ID)
	}
	if want := []string{polA, polB}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("policies %v, want %v (own, then the role's)", ids, want)
	}
	wantSI := []ACLServiceIdentity{{ServiceName: "web", Datacenters: []string{"dc1"}}, {ServiceName: "db"}}
	if !reflect.DeepEqual(res.ServiceIdentities, wantSI) {
		t.Fatalf("service identities %v, want %v", res.ServiceIdentities, wantSI)
	}
	if want := []ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}}; !reflect.DeepEqual(res.NodeIdentities, want) {
		t.Fatalf("node identities %v", res.NodeIdentities)
	}
	for _, secret := range []string{"", "nope", secA[:10], tokA, "ANONYMOUS"} {
		if res, err := s.ACLTokenResolve(nil, secret); err != nil || res != nil {
			t.Errorf("resolve %q = %v, %v; want nothing", secret, res, err)
		}
	}
	anon, _ := s.ACLTokenResolve(nil, ACLAnonymousTokenSecret)
	if anon == nil || anon.Token.AccessorID != ACLAnonymousTokenID || len(anon.Policies) != 0 {
		t.Fatalf("anonymous resolves to %+v", anon)
	}
	// A deleted role takes its policies and identities with it.
	mustACL(t, s.ACLRoleApply(10, &ACLRoleRequest{Op: ACLDelete, Role: ACLRole{ID: roleA}}))
	res, _ = s.ACLTokenResolve(nil, secA)
	if len(res.Policies) != 1 || len(res.ServiceIdentities) != 1 || len(res.Token.Roles) != 0 {
		t.Fatalf("after role delete: %+v", res)
	}
}

func TestACLTokenExpired(t *testing.T) {
	at := time.Unix(1000, 0)
	tok := &ACLToken{ExpirationTime: &at}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{{at.Add(-time.Second), false}, {at, true}, {at.Add(time.Second), true}} {
		if got := tok.Expired(tt.now); got != tt.want {
			t.Errorf("Expired(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
	if (&ACLToken{}).Expired(at) {
		t.Error("a token without expiry expired")
	}
}

func TestACLBootstrap(t *testing.T) {
	s := newStore(t)
	if got := s.ACLBootstrapIndex(); got != 0 {
		t.Fatalf("reset index before bootstrap = %d", got)
	}
	boot := ACLToken{AccessorID: bootID, SecretID: bootSc, Description: "boot", CreateTime: time.Unix(300, 0).UTC()}
	mustACL(t, s.ACLBootstrap(5, &ACLBootstrapRequest{Token: boot}))
	res, _ := s.ACLTokenResolve(nil, bootSc)
	if res == nil || len(res.Policies) != 1 || res.Policies[0].ID != ACLGlobalManagementPolicyID ||
		res.Policies[0].Rules != ACLGlobalManagementRules {
		t.Fatalf("bootstrap token resolves to %+v", res)
	}
	if _, anon, _ := s.ACLTokenGet(nil, ACLAnonymousTokenID); anon == nil {
		t.Fatal("bootstrap did not create the anonymous token")
	}
	if got := s.ACLBootstrapIndex(); got != 5 {
		t.Fatalf("reset index = %d, want 5", got)
	}

	again := ACLToken{AccessorID: tokB, SecretID: secB}
	for _, reset := range []uint64{0, 4, 6} {
		err := s.ACLBootstrap(7, &ACLBootstrapRequest{Token: again, ResetIndex: reset})
		var be *ACLBootstrapError
		if !errors.Is(err, ErrACLBootstrapNotAllowed) || !errors.As(err, &be) || be.ResetIndex != 5 {
			t.Fatalf("bootstrap again with reset %d = %v, want reset index 5", reset, err)
		}
		if err.Error() != "ACL bootstrap no longer allowed (reset index: 5)" {
			t.Fatalf("message %q", err)
		}
		if parsed, ok := ParseACLBootstrapError("rpc: " + err.Error()); !ok || parsed.ResetIndex != 5 {
			t.Fatalf("parse %q = %v, %v", err, parsed, ok)
		}
	}
	// The matching reset index allows exactly one more.
	mustACL(t, s.ACLBootstrap(7, &ACLBootstrapRequest{Token: again, ResetIndex: 5}))
	if got := s.ACLBootstrapIndex(); got != 7 {
		t.Fatalf("reset index after the second bootstrap = %d, want 7", got)
	}
	err := s.ACLBootstrap(8, &ACLBootstrapRequest{Token: ACLToken{AccessorID: tokA, SecretID: secA}, ResetIndex: 5})
	wantErr(t, err, ErrACLBootstrapNotAllowed)

	// A bootstrap that cannot create its token writes nothing.
	s2 := newStore(t)
	wantErr(t, s2.ACLBootstrap(3, &ACLBootstrapRequest{Token: ACLToken{AccessorID: "x", SecretID: bootSc}}), ErrInvalidACL)
	if s2.LastIndex() != 0 || s2.ACLBootstrapIndex() != 0 {
		t.Fatal("a failed bootstrap wrote")
	}
	if _, ok := ParseACLBootstrapError("ACL not found"); ok {
		t.Fatal("parsed an unrelated message")
	}
}

func TestACLInitIdempotent(t *testing.T) {
	s := newStore(t)
	mustACL(t, s.ACLInit(3, &ACLInitRequest{CreateTime: time.Unix(1, 0).UTC()}))
	_, pols, _ := s.ACLPolicyList(nil)
	if len(pols) != 2 || pols[0].Name != ACLGlobalManagementPolicyName || pols[1].Name != ACLGlobalReadOnlyPolicyName {
		t.Fatalf("built-in policies %v", pols)
	}
	mustACL(t, s.ACLInit(4, &ACLInitRequest{}))
	if got := s.LastIndex(); got != 3 {
		t.Fatalf("second init moved the index to %d", got)
	}
}

// TestACLWriteBatch: in a batch a refused ACL write leaves no trace and the
// others apply, as when applied one by one.
func TestACLWriteBatch(t *testing.T) {
	single, batched := newStore(t), newStore(t)
	ops := []func(Writer) error{
		func(w Writer) error { return w.ACLInit(1, &ACLInitRequest{}) },
		func(w Writer) error {
			return w.ACLPolicyApply(2, &ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: polA, Name: "a"}})
		},
		func(w Writer) error {
			return w.ACLPolicyApply(3, &ACLPolicyRequest{Op: ACLSet, Policy: ACLPolicy{ID: polB, Name: "A"}})
		},
		func(w Writer) error {
			return w.ACLRoleApply(4, &ACLRoleRequest{Op: ACLSet, Role: ACLRole{ID: roleA, Name: "r", Policies: []ACLLink{{Name: "a"}}}})
		},
		func(w Writer) error {
			return w.ACLTokenApply(5, &ACLTokenRequest{Op: ACLSet, Token: ACLToken{AccessorID: tokA, SecretID: secA, Roles: []ACLLink{{ID: roleA}}}})
		},
		func(w Writer) error {
			return w.ACLBootstrap(6, &ACLBootstrapRequest{Token: ACLToken{AccessorID: bootID, SecretID: bootSc}})
		},
		func(w Writer) error {
			return w.ACLBootstrap(7, &ACLBootstrapRequest{Token: ACLToken{AccessorID: tokB, SecretID: secB}})
		},
	}
	var want []error
	for _, op := range ops {
		want = append(want, op(single))
	}
	got := batched.WriteBatch(ops)
	for i := range ops {
		if (got[i] == nil) != (want[i] == nil) {
			t.Fatalf("op %d: batch %v, single %v", i, got[i], want[i])
		}
	}
	if want[2] == nil || want[6] == nil {
		t.Fatal("the duplicate name and second bootstrap were accepted")
	}
	if !reflect.DeepEqual(dumpACL(t, batched), dumpACL(t, single)) {
		t.Fatal("batched ACL state differs")
	}
}

func TestACLSnapshotRoundTrip(t *testing.T) {
	src := aclFixture(t)
	exp := time.Unix(9000, 0).UTC()
	mustACL(t, setToken(src, 6, ACLToken{AccessorID: tokB, SecretID: secB, Local: true,
		ExpirationTime: &exp, ExpirationTTL: time.Hour, CreateTime: time.Unix(1, 5).UTC()}))
	mustACL(t, src.ACLBootstrap(7, &ACLBootstrapRequest{Token: ACLToken{AccessorID: bootID, SecretID: bootSc}}))
	want := dumpACL(t, src)
	var buf bytes.Buffer
	snap := src.Snapshot()
	if snap.Index() != 7 {
		t.Fatalf("snapshot index %d, want 7", snap.Index())
	}
	if err := snap.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	snap.Release()
	dst := newStore(t)
	if err := dst.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := dumpACL(t, dst); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored ACL state differs:\n got %v\nwant %v", got, want)
	}
	// The reset index came along: bootstrap stays refused.
	wantErr(t, dst.ACLBootstrap(20, &ACLBootstrapRequest{Token: ACLToken{AccessorID: tokA, SecretID: secA}}),
		ErrACLBootstrapNotAllowed)
	counts := map[string]int{}
	if err := ScanSnapshot(bytes.NewReader(buf.Bytes()), func(r SnapshotRecord) error {
		counts[r.Type]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if counts["ACLPolicy"] != 4 || counts["ACLRole"] != 1 || counts["ACLToken"] != 4 {
		t.Fatalf("snapshot records %v", counts)
	}
}

// TestACLRestoreRejectsDuplicates: two policies with one name would break
// the unique index; such a stream is refused.
func TestACLRestoreRejectsDuplicates(t *testing.T) {
	for _, kind := range []byte{frameACLPolicy, frameACLToken} {
		var buf bytes.Buffer
		fw := &frameWriter{w: bufio.NewWriter(&buf), crc: crc32.New(crcTable)}
		fw.raw([]byte(snapshotMagic + string(rune(snapshotVersion))))
		switch kind {
		case frameACLPolicy:
			fw.frame(kind, &ACLPolicy{ID: polA, Name: "same"})
			fw.frame(kind, &ACLPolicy{ID: polB, Name: "SAME"})
		case frameACLToken:
			fw.frame(kind, &ACLToken{AccessorID: tokA, SecretID: secA})
			fw.frame(kind, &ACLToken{AccessorID: tokB, SecretID: secA})
		}
		if err := fw.finish(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, newStore(t).Restore(&buf), ErrCorruptSnapshot)
	}
}

// dumpACL reads every ACL record and the ACL indexes.
func dumpACL(t testing.TB, s *Store) map[string]any {
	t.Helper()
	out := map[string]any{}
	idx, pols, err := s.ACLPolicyList(nil)
	mustACL(t, err)
	out["policies"], out["policies.idx"] = pols, idx
	idx, roles, _ := s.ACLRoleList(nil, "")
	out["roles"], out["roles.idx"] = roles, idx
	idx, toks, _ := s.ACLTokenList(nil, ACLTokenFilter{})
	out["tokens"], out["tokens.idx"] = toks, idx
	for _, tok := range toks {
		out["token."+tok.AccessorID] = tok
	}
	out["bootstrap"] = s.ACLBootstrapIndex()
	return out
}

// FuzzParseACLBootstrapError: any message either parses to an index that
// prints back to the same tail, or is refused; never a panic.
func FuzzParseACLBootstrapError(f *testing.F) {
	for _, seed := range []string{
		"ACL bootstrap no longer allowed (reset index: 13)",
		"rpc: ACL bootstrap no longer allowed (reset index: 0)",
		"(reset index: -1)", "(reset index: 99999999999999999999)", "(", "", "ACL not found",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		be, ok := ParseACLBootstrapError(msg)
		if !ok {
			return
		}
		if be == nil {
			t.Fatal("ok without an error")
		}
		again, ok := ParseACLBootstrapError(be.Error())
		if !ok || again.ResetIndex != be.ResetIndex {
			t.Fatalf("%q parsed to %d, which does not read back", msg, be.ResetIndex)
		}
	})
}
