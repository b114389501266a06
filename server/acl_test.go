package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

func TestACLBootstrapAndReset(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	s := startServer(t, cfg)
	ctx := context.Background()

	tok, idx, err := s.ACLBootstrap(ctx)
	if err != nil || idx == 0 || !uuidRE.MatchString(tok.AccessorID) || !uuidRE.MatchString(tok.SecretID) {
		t.Fatalf("ACLBootstrap = %+v, %d, %v", tok, idx, err)
	}
	want := []state.ACLLink{{ID: state.ACLGlobalManagementPolicyID, Name: state.ACLGlobalManagementPolicyName}}
	if !reflect.DeepEqual(tok.Policies, want) || tok.CreateTime.IsZero() {
		t.Fatalf("bootstrap token %+v", tok)
	}
	res, err := s.ResolveToken(tok.SecretID)
	if err != nil || len(res.Policies) != 1 || res.Policies[0].Rules != state.ACLGlobalManagementRules {
		t.Fatalf("resolve bootstrap token = %+v, %v", res, err)
	}

	refused := func(wantIndex uint64) {
		t.Helper()
		_, _, err := s.ACLBootstrap(ctx)
		var be *state.ACLBootstrapError
		if !errors.As(err, &be) || be.ResetIndex != wantIndex || !errors.Is(err, state.ErrACLBootstrapNotAllowed) {
			t.Fatalf("bootstrap again = %v, want reset index %d", err, wantIndex)
		}
	}
	refused(idx)
	reset := filepath.Join(cfg.DataDir, aclBootstrapResetFile)
	for _, content := range []string{"junk", strconv.FormatUint(idx+100, 10)} {
		if err := os.WriteFile(reset, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(idx)
	}
	if err := os.WriteFile(reset, []byte(strconv.FormatUint(idx, 10)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok2, idx2, err := s.ACLBootstrap(ctx)
	if err != nil || tok2.AccessorID == tok.AccessorID {
		t.Fatalf("bootstrap after reset = %+v, %v", tok2, err)
	}
	if _, err := os.Stat(reset); !os.IsNotExist(err) {
		t.Fatalf("reset file kept: %v", err)
	}
	refused(idx2)
}

func TestACLPolicyRoleTokenLifecycle(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()

	p := &state.ACLPolicy{Name: "read-kv", Rules: `key_prefix "" { policy = "read" }`}
	if _, err := s.ACLPolicySet(ctx, p); err != nil || !uuidRE.MatchString(p.ID) || len(p.Hash) == 0 {
		t.Fatalf("create policy = %+v, %v", p, err)
	}
	if _, err := s.ACLPolicySet(ctx, &state.ACLPolicy{ID: newUUID(), Name: "x"}); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("update of an unknown policy = %v, want ErrACLNotFound", err)
	}
	if _, err := s.ACLPolicySet(ctx, &state.ACLPolicy{Name: "READ-KV"}); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("duplicate name = %v, want ErrInvalidACL", err)
	}
	r := &state.ACLRole{Name: "reader", Policies: []state.ACLLink{{Name: "read-kv"}}}
	if _, err := s.ACLRoleSet(ctx, r); err != nil || r.Policies[0].ID != p.ID {
		t.Fatalf("create role = %+v, %v", r, err)
	}
	tok := &state.ACLToken{Description: "app", Roles: []state.ACLLink{{Name: "reader"}}}
	if _, err := s.ACLTokenSet(ctx, tok, true); err != nil || tok.Roles[0].ID != r.ID || tok.CreateTime.IsZero() {
		t.Fatalf("create token = %+v, %v", tok, err)
	}
	if res, err := s.ResolveToken(tok.SecretID); err != nil || len(res.Policies) != 1 || res.Policies[0].ID != p.ID {
		t.Fatalf("resolve through the role = %+v, %v", res, err)
	}

	// Update: the secret is kept and cannot change.
	upd := &state.ACLToken{AccessorID: tok.AccessorID, Description: "app v2", Policies: []state.ACLLink{{ID: p.ID}}}
	if _, err := s.ACLTokenSet(ctx, upd, false); err != nil || upd.SecretID != tok.SecretID || len(upd.Roles) != 0 {
		t.Fatalf("update token = %+v, %v", upd, err)
	}
	bad := &state.ACLToken{AccessorID: tok.AccessorID, SecretID: newUUID()}
	if _, err := s.ACLTokenSet(ctx, bad, false); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("secret change = %v, want ErrInvalidACL", err)
	}
	if _, err := s.ACLTokenSet(ctx, &state.ACLToken{AccessorID: newUUID()}, false); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("update of an unknown token = %v, want ErrACLNotFound", err)
	}
	if _, err := s.ACLTokenSet(ctx, &state.ACLToken{AccessorID: tok.AccessorID}, true); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("create with a used AccessorID = %v, want ErrInvalidACL", err)
	}

	clone, _, err := s.ACLTokenClone(ctx, tok.AccessorID, "")
	if err != nil || clone.AccessorID == tok.AccessorID || clone.SecretID == tok.SecretID ||
		clone.Description != "app v2" || !reflect.DeepEqual(clone.Policies, upd.Policies) {
		t.Fatalf("clone = %+v, %v", clone, err)
	}
	if _, list, _ := s.ACLTokenList(nil, state.ACLTokenFilter{Policy: p.ID}); len(list) != 2 {
		t.Fatalf("tokens of the policy = %d, want 2", len(list))
	}

	// Deleting the policy drops it from the tokens and the role.
	if _, err := s.ACLPolicyDelete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := s.ACLTokenGet(nil, clone.AccessorID); got == nil || len(got.Policies) != 0 {
		t.Fatalf("clone after policy delete = %+v", got)
	}
	if _, got, _ := s.ACLRoleGet(nil, r.ID); len(got.Policies) != 0 {
		t.Fatalf("role after policy delete = %+v", got)
	}
	if _, err := s.ACLPolicyDelete(ctx, state.ACLGlobalManagementPolicyID); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("delete global-management = %v, want ErrInvalidACL", err)
	}
	if _, err := s.ACLRoleDelete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ACLTokenDelete(ctx, tok.AccessorID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveToken(tok.SecretID); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("resolve a deleted token = %v, want ErrACLNotFound", err)
	}
	if _, got, _ := s.ACLTokenGetBySecret(nil, clone.SecretID); got == nil {
		t.Fatal("the clone went with its source")
	}
}

func TestACLTokenExpirationInput(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	soon := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		tok  state.ACLToken
		ok   bool
	}{
		{"ttl", state.ACLToken{ExpirationTTL: time.Hour}, true},
		{"time", state.ACLToken{ExpirationTime: &soon}, true},
		{"ttl too short", state.ACLToken{ExpirationTTL: 30 * time.Second}, false},
		{"ttl too long", state.ACLToken{ExpirationTTL: 25 * time.Hour}, false},
		{"negative ttl", state.ACLToken{ExpirationTTL: -time.Hour}, false},
		{"both", state.ACLToken{ExpirationTTL: time.Hour, ExpirationTime: &soon}, false},
		{"time in the past", state.ACLToken{ExpirationTime: new(time.Now().Add(-time.Hour))}, false},
		{"bad accessor", state.ACLToken{AccessorID: "nope"}, false},
		{"same IDs", state.ACLToken{AccessorID: "60000000-0000-4000-8000-000000000001",
			SecretID: "60000000-0000-4000-8000-000000000001"}, false},
		{"given IDs", state.ACLToken{AccessorID: "60000000-0000-4000-8000-000000000002",
			SecretID: "60000000-0000-4000-8000-000000000003", ExpirationTTL: time.Hour}, true},
		{"reserved secret", state.ACLToken{SecretID: "00000000-0000-0000-0000-000000000002"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok
			_, err := s.ACLTokenSet(ctx, &tok, true)
			if !tt.ok {
				if !errors.Is(err, state.ErrInvalidACL) {
					t.Fatalf("err = %v, want ErrInvalidACL", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.ExpirationTime == nil || tok.ExpirationTime.Sub(tok.CreateTime) < 59*time.Minute {
				t.Fatalf("expiration %v, created %v", tok.ExpirationTime, tok.CreateTime)
			}
		})
	}
}

// TestACLExpiredTokens: a token past its expiration time no longer
// resolves or reads, and the leader's reaper deletes it.
func TestACLExpiredTokens(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	past := time.Now().Add(-time.Minute).UTC().Round(0)
	expired := state.ACLToken{AccessorID: newUUID(), SecretID: newUUID(), ExpirationTime: &past}
	// Written past the server's checks, as if it had expired since.
	if _, err := s.apply(ctx, fsm.ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLSet, Token: expired}); err != nil {
		t.Fatal(err)
	}
	live := &state.ACLToken{ExpirationTTL: time.Hour}
	if _, err := s.ACLTokenSet(ctx, live, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveToken(expired.SecretID); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("resolve expired = %v, want ErrACLNotFound", err)
	}
	if _, got, _ := s.ACLTokenGet(nil, expired.AccessorID); got != nil {
		t.Fatal("expired token read")
	}
	if _, list, _ := s.ACLTokenList(nil, state.ACLTokenFilter{}); len(list) != 1 || list[0].AccessorID != live.AccessorID {
		t.Fatalf("list = %v, want only the live token", list)
	}
	if _, _, err := s.ACLTokenClone(ctx, expired.AccessorID, ""); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("clone expired = %v, want ErrACLNotFound", err)
	}
	n, err := s.reapExpiredTokens(ctx, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("reap = %d, %v; want 1", n, err)
	}
	if _, got, _ := s.Store().ACLTokenGet(nil, expired.AccessorID); got != nil {
		t.Fatal("expired token still stored")
	}
	// Two hours on, the live one has expired too.
	if n, _ := s.reapExpiredTokens(ctx, time.Now().Add(2*time.Hour)); n != 1 {
		t.Fatalf("second reap = %d, want 1", n)
	}
}

func TestResolveTokenDatacenterScope(t *testing.T) {
	s := startServer(t, testConfig(t)) // dc1
	ctx := context.Background()
	here := &state.ACLPolicy{Name: "here", Datacenters: []string{"dc1"}}
	there := &state.ACLPolicy{Name: "there", Datacenters: []string{"dc2"}}
	everywhere := &state.ACLPolicy{Name: "everywhere"}
	for _, p := range []*state.ACLPolicy{here, there, everywhere} {
		if _, err := s.ACLPolicySet(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	tok := &state.ACLToken{Policies: []state.ACLLink{{ID: here.ID}, {ID: there.ID}, {ID: everywhere.ID}},
		ServiceIdentities: []state.ACLServiceIdentity{{ServiceName: "web"}, {ServiceName: "db", Datacenters: []string{"dc2"}}},
		NodeIdentities:    []state.ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}, {NodeName: "n2", Datacenter: "dc2"}}}
	if _, err := s.ACLTokenSet(ctx, tok, true); err != nil {
		t.Fatal(err)
	}
	res, err := s.ResolveToken(tok.SecretID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range res.Policies {
		names = append(names, p.Name)
	}
	if !reflect.DeepEqual(names, []string{"here", "everywhere"}) ||
		!reflect.DeepEqual(res.ServiceIdentities, []state.ACLServiceIdentity{{ServiceName: "web"}}) ||
		!reflect.DeepEqual(res.NodeIdentities, []state.ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}}) {
		t.Fatalf("resolved in dc1: %v %v %v", names, res.ServiceIdentities, res.NodeIdentities)
	}
	if _, err := s.ResolveToken(""); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("empty secret = %v, want ErrACLNotFound", err)
	}
}

// TestACLsEnabledInit: with ACLs enabled the leader creates the built-ins,
// so the anonymous token resolves before any bootstrap.
func TestACLsEnabledInit(t *testing.T) {
	cfg := testConfig(t)
	cfg.ACLsEnabled = true
	s := startServer(t, cfg)
	waitFor(t, func() bool {
		_, anon, _ := s.Store().ACLTokenGet(nil, state.ACLAnonymousTokenID)
		return anon != nil
	})
	res, err := s.ResolveToken(state.ACLAnonymousTokenSecret)
	if err != nil || res.Token.AccessorID != state.ACLAnonymousTokenID || len(res.Policies) != 0 {
		t.Fatalf("anonymous = %+v, %v", res, err)
	}
	if _, p, _ := s.ACLPolicyGetByName(nil, state.ACLGlobalReadOnlyPolicyName); p == nil {
		t.Fatal("no global read-only policy")
	}
	// The anonymous token can be given policies but not deleted.
	anon := &state.ACLToken{AccessorID: state.ACLAnonymousTokenID,
		Policies: []state.ACLLink{{Name: state.ACLGlobalReadOnlyPolicyName}}}
	if _, err := s.ACLTokenSet(context.Background(), anon, false); err != nil || anon.SecretID != state.ACLAnonymousTokenSecret {
		t.Fatalf("update anonymous = %+v, %v", anon, err)
	}
	if _, err := s.ACLTokenDelete(context.Background(), state.ACLAnonymousTokenID); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("delete anonymous = %v, want ErrInvalidACL", err)
	}
}

// TestACLInitialManagementToken: the leader stores the configured
// initial_management token as the bootstrap token, so it resolves to
// global-management and /v1/acl/bootstrap is refused afterwards; a
// restart does not store it twice.
func TestACLInitialManagementToken(t *testing.T) {
	const secret = "9c7d2a3e-5b1f-4c8e-a0d6-2f4b8e1c7a95"
	cfg := testConfig(t)
	cfg.ACLsEnabled = true
	cfg.ACLInitialManagement = secret
	s := startServer(t, cfg)
	waitFor(t, func() bool {
		_, tok, _ := s.Store().ACLTokenGetBySecret(nil, secret)
		return tok != nil
	})
	res, err := s.ResolveToken(secret)
	if err != nil || len(res.Policies) != 1 || res.Policies[0].ID != state.ACLGlobalManagementPolicyID {
		t.Fatalf("initial management token resolves to %+v, %v", res, err)
	}
	var be *state.ACLBootstrapError
	if _, _, err := s.ACLBootstrap(context.Background()); !errors.As(err, &be) {
		t.Fatalf("bootstrap after the initial management token = %v, want ACLBootstrapError", err)
	}
	if err := s.initManagementToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, toks, err := s.Store().ACLTokenList(nil, state.ACLTokenFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tok := range toks {
		if tok.SecretID == secret {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d tokens carry the initial management secret, want 1", n)
	}
}
