package server

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

// rpcTestAuthorize resolves the secrets of the RPC ACL tests under
// default deny: "agent" may write nodes and the web service, "reader" may only read the web service, anything else
// is anonymous and may do nothing.
func rpcTestAuthorize(t *testing.T) Authorize {
	rules := map[string]string{
		"agent":  `node_prefix "" { policy = "write" } service "web" { policy = "write" }`,
		"reader": `service "web" { policy = "read" } node "n1" { policy = "read" }`,
	}
	sets := map[string]*acl.RuleSet{}
	for secret, text := range rules {
		rs, err := acl.ParseRules(text)
		if err != nil {
			t.Fatal(err)
		}
		sets[secret] = rs
	}
	return func(secret string) (acl.Authorizer, error) {
		if rs := sets[secret]; rs != nil {
			return acl.Compile(acl.Deny, rs), nil
		}
		return acl.Compile(acl.Deny), nil
	}
}

// TestRPCEnforcesTheAgentToken: with ACLs on, an agent's anti-entropy,
// coordinate and subscription calls are judged by the token they carry.
func TestRPCEnforcesTheAgentToken(t *testing.T) {
	c := newTestClusterWith(t, 1, func(cfg *Config) { cfg.ACLsEnabled = true })
	srv := c.servers[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if _, err := srv.callAuthorizer(ctx); !errors.Is(err, ErrACLNotReady) {
		t.Fatalf("authorizer before the server has a resolver: %v, want ErrACLNotReady", err)
	}
	srv.SetRPCAuthorizer(rpcTestAuthorize(t))
	anon := newTestClient(t, c)
	if _, err := anon.Register(ctx, webInstance("n1", "web1", state.HealthPassing)); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("anonymous register = %v, want ErrPermissionDenied", err)
	}

	agent := newTestClient(t, c)
	agent.SetToken(func() string { return "agent" })
	reader := newTestClient(t, c)
	reader.SetToken(func() string { return "reader" })
	mustRegister(t, agent, webInstance("n1", "web1", state.HealthPassing))
	mustRegister(t, agent, webInstance("n2", "web2", state.HealthPassing))
	if _, err := agent.Register(ctx, &state.Registration{Node: state.Node{Node: "n3", Address: "10.0.0.3"},
		Service: &state.Service{ID: "db1", Name: "db"}}); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("register of a service the token may not write = %v, want ErrPermissionDenied", err)
	}
	// The reader may not change the node, but nothing here changes it.
	if _, err := reader.Register(ctx, webCheck("n1", "web1", state.HealthWarning)); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("check update by a read-only token = %v, want ErrPermissionDenied", err)
	}
	if _, err := reader.NodeState(ctx, "n1"); err != nil {
		t.Fatalf("node state of a readable node: %v", err)
	}
	if _, err := reader.NodeState(ctx, "n2"); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("node state of an unreadable node = %v, want ErrPermissionDenied", err)
	}
	if _, err := reader.Deregister(ctx, &state.Deregistration{Node: "n2", ServiceID: "web2"}); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("deregister by a read-only token = %v, want ErrPermissionDenied", err)
	}
	if err := reader.CoordinateUpdate(ctx, &state.Coordinate{Node: "n1", Coord: &state.Coord{Vec: make([]float64, 8)}}); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("coordinate update by a read-only token = %v, want ErrPermissionDenied", err)
	}

	// A reverse lookup for a client agent finds what its token may read:
	// the reader does not see the instance on n2.
	own := webInstance("n2", "web3", state.HealthPassing)
	own.Service.Address = "10.9.9.9"
	mustRegister(t, agent, own)
	for _, tc := range []struct {
		cl   *Client
		want int
	}{{reader, 0}, {agent, 1}} {
		m, err := tc.cl.ByAddress(ctx, netip.MustParseAddr("10.9.9.9"))
		if err != nil || len(m.Services) != tc.want {
			t.Errorf("reverse lookup of 10.9.9.9 for a client agent: %+v, %v; want %d instances", m, err, tc.want)
		}
	}
	if m, err := reader.ByAddress(ctx, netip.MustParseAddr("10.0.0.1")); err != nil || m.Node == nil || m.Node.Node != "n1" {
		t.Errorf("reverse lookup of 10.0.0.1 for the reader: %+v, %v; want node n1", m, err)
	}
	if _, err := agent.Deregister(ctx, &state.Deregistration{Node: "n2", ServiceID: "web3"}); err != nil {
		t.Fatal(err)
	}

	// A prepared query executed for a client agent answers what its token
	// may read.
	if _, err := srv.PreparedQueryApply(ctx, state.QueryOpCreate,
		&state.PreparedQuery{Name: "webq", Service: state.ServiceQuery{Service: "web"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cl   *Client
		want int
	}{{reader, 1}, {agent, 2}} {
		res, err := tc.cl.PreparedQuery(ctx, "webq", preparedquery.Options{})
		if err != nil || len(res.Nodes) != tc.want {
			t.Errorf("webq executed for a client agent: %d instances, %v; want %d", len(res.Nodes), err, tc.want)
		}
	}

	// The reader's stream shows web on n1 only; the agent's both nodes;
	// an anonymous subscription is refused.
	sub, err := anon.Subscribe(ctx, webHealth)
	if err == nil {
		_, err = sub.Next(ctx) // the refusal comes on the stream
		sub.Close()
	}
	if !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("anonymous subscribe = %v, want ErrPermissionDenied", err)
	}
	for _, tc := range []struct {
		cl   *Client
		want []string
	}{
		{reader, []string{"n1/web1"}},
		{agent, []string{"n1/web1", "n2/web2"}},
	} {
		sub, err := tc.cl.Subscribe(ctx, webHealth)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for done := false; !done; {
			events, err := sub.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				switch p := e.Payload.(type) {
				case state.CheckServiceNode:
					got = append(got, p.Node.Node+"/"+p.Service.ID)
				case state.EndOfSnapshot:
					done = true
				}
			}
		}
		sub.Close()
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("snapshot = %v, want %v", got, tc.want)
		}
	}
}

// TestSubscriptionEndsWhenItsTokenLosesTheService: a stream's token is
// judged again at every heartbeat; once it may no longer read the
// service, the stream ends with ErrPermissionDenied.
func TestSubscriptionEndsWhenItsTokenLosesTheService(t *testing.T) {
	fastHeartbeats(t)
	c := newTestClusterWith(t, 1, func(cfg *Config) { cfg.ACLsEnabled = true })
	srv := c.servers[0]
	var revoked atomic.Bool
	readWeb, err := acl.ParseRules(`service "web" { policy = "read" } node_prefix "" { policy = "read" }`)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetRPCAuthorizer(func(string) (acl.Authorizer, error) {
		if revoked.Load() {
			return acl.Compile(acl.Deny), nil
		}
		return acl.Compile(acl.Deny, readWeb), nil
	})
	mustRegister(t, srv, webInstance("n1", "web1", state.HealthPassing))
	cl := newTestClient(t, c)
	cl.SetToken(func() string { return "viewer" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := mustSubscribe(t, ctx, cl)
	if _, err := sub.Next(ctx); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	revoked.Store(true)
	for {
		_, err := sub.Next(ctx)
		if err == nil {
			continue // the rest of the snapshot
		}
		if !errors.Is(err, ErrPermissionDenied) {
			t.Fatalf("stream after the token lost the service ended with %v, want ErrPermissionDenied", err)
		}
		break
	}
}
