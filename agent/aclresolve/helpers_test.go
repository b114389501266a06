package aclresolve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// errDown is what the servers answer while a test has them "down".
var errDown = errors.New("no servers reachable")

// servers is a real dev server with ACLs on, reached through a switch
// that can cut it off, counting the round trips.
type servers struct {
	srv   *server.Server
	down  atomic.Bool
	calls atomic.Int64
	// gate, when set, holds every round trip until it is closed.
	mu   sync.Mutex
	gate chan struct{}
}

func startServers(t testing.TB) *servers {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.NodeName, cfg.RaftAddr, cfg.Dev, cfg.ACLsEnabled = "s1", "127.0.0.1:0", true, true
	cfg.Logger = slog.New(slog.DiscardHandler)
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
	s := &servers{srv: srv}
	waitFor(t, func() bool { _, err := srv.ResolveToken(state.ACLAnonymousTokenSecret); return err == nil })
	return s
}

// resolve is the ResolveFunc over the switch.
func (s *servers) resolve(ctx context.Context, secret string) (*state.ACLResolvedToken, error) {
	s.calls.Add(1)
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.down.Load() {
		return nil, errDown
	}
	return s.srv.ResolveToken(secret)
}

// policy creates a policy and returns its ID.
func (s *servers) policy(t testing.TB, name, rules string) string {
	t.Helper()
	p := &state.ACLPolicy{Name: name, Rules: rules}
	if _, err := s.srv.ACLPolicySet(context.Background(), p); err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	return p.ID
}

// token creates a token and returns its SecretID.
func (s *servers) token(t testing.TB, tok state.ACLToken) string {
	t.Helper()
	if _, err := s.srv.ACLTokenSet(context.Background(), &tok, true); err != nil {
		t.Fatalf("create token: %v", err)
	}
	return tok.SecretID
}

// clock is a clock tests step by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newResolver builds a Resolver over s with a 30s TTL, default deny and
// the given down policy, on clk.
func newResolver(t testing.TB, s *servers, clk *clock, down string, toks Tokens) *Resolver {
	t.Helper()
	r, err := New(Config{
		NodeName: "node1", DefaultPolicy: "deny", DownPolicy: down,
		TokenTTL: 30 * time.Second, PolicyTTL: 30 * time.Second, RoleTTL: 30 * time.Second,
		Tokens: toks, Now: clk.Now,
	}, s.resolve, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
