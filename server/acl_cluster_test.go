package server

import (
	"context"
	"errors"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// TestClusterACLWritesThroughFollower: ACL writes made on a follower are
// forwarded to the leader, hand back what the leader chose (IDs, secret,
// names) and keep their errors' identity, the bootstrap's reset index
// included.
func TestClusterACLWritesThroughFollower(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx := context.Background()
	f := c.followers()[0]

	boot, idx, err := f.ACLBootstrap(ctx)
	if err != nil || boot == nil || boot.SecretID == "" || idx == 0 {
		t.Fatalf("bootstrap through a follower = %+v, %d, %v", boot, idx, err)
	}
	_, _, err = f.ACLBootstrap(ctx)
	var be *state.ACLBootstrapError
	if !errors.As(err, &be) || be.ResetIndex != idx {
		t.Fatalf("second bootstrap through a follower = %v, want reset index %d", err, idx)
	}

	p := &state.ACLPolicy{Name: "web-read", Rules: `service "web" { policy = "read" }`}
	if _, err := f.ACLPolicySet(ctx, p); err != nil || p.ID == "" || p.CreateIndex == 0 {
		t.Fatalf("policy through a follower = %+v, %v", p, err)
	}
	r := &state.ACLRole{Name: "web", Policies: []state.ACLLink{{Name: "web-read"}}}
	if _, err := f.ACLRoleSet(ctx, r); err != nil || r.ID == "" {
		t.Fatalf("role through a follower = %+v, %v", r, err)
	}
	tok := &state.ACLToken{Roles: []state.ACLLink{{ID: r.ID}}}
	if _, err := f.ACLTokenSet(ctx, tok, true); err != nil || tok.SecretID == "" || tok.Roles[0].Name != "web" {
		t.Fatalf("token through a follower = %+v, %v", tok, err)
	}
	clone, _, err := f.ACLTokenClone(ctx, tok.AccessorID, "copy")
	if err != nil || clone.Description != "copy" {
		t.Fatalf("clone through a follower = %+v, %v", clone, err)
	}
	if _, err := f.ACLTokenDelete(ctx, clone.AccessorID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ACLPolicyDelete(ctx, state.ACLGlobalManagementPolicyID); !errors.Is(err, state.ErrInvalidACL) {
		t.Fatalf("delete global-management through a follower = %v, want ErrInvalidACL", err)
	}
	if _, err := f.ACLTokenSet(ctx, &state.ACLToken{AccessorID: newUUID()}, false); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("update of an unknown token through a follower = %v, want ErrACLNotFound", err)
	}

	// Every server resolves the token once it has the write.
	for _, s := range c.servers {
		waitFor(t, func() bool {
			res, err := s.ResolveToken(tok.SecretID)
			return err == nil && len(res.Policies) == 1 && res.Policies[0].ID == p.ID
		})
	}

	// A client agent resolves through any server.
	cl := NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	cl.SetServers([]string{f.Addr()})
	res, err := cl.ResolveToken(ctx, boot.SecretID)
	if err != nil || len(res.Policies) != 1 || res.Policies[0].ID != state.ACLGlobalManagementPolicyID {
		t.Fatalf("client resolve = %+v, %v", res, err)
	}
	if _, err := cl.ResolveToken(ctx, "nope"); !errors.Is(err, state.ErrACLNotFound) {
		t.Fatalf("client resolve of an unknown secret = %v, want ErrACLNotFound", err)
	}
}
