package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

func testConfig(t testing.TB) Config {
	cfg := DefaultConfig()
	cfg.NodeName = "server-1"
	cfg.RaftAddr = "127.0.0.1:0"
	cfg.Dev = true
	return cfg
}

// startServer starts a server, waits for it to lead and stops it when the
// test ends.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitForLeader(ctx); err != nil {
		t.Fatalf("WaitForLeader: %v", err)
	}
	waitFor(t, s.IsLeader)
	return s
}

// waitFor polls cond until it holds or a deadline passes.
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

func reg(node, svc string) *state.Registration {
	return &state.Registration{
		Node:    state.Node{Node: node, Address: "10.0.0.1"},
		Service: &state.Service{ID: svc, Name: "web", Port: 80},
		Checks:  []*state.HealthCheck{{CheckID: "check-" + svc, ServiceID: svc, Status: state.HealthPassing}},
	}
}

func TestDevRegisterAndRead(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	idx, err := s.Register(ctx, reg("n1", "web-1"))
	if err != nil || idx == 0 {
		t.Fatalf("Register = %d, %v", idx, err)
	}
	got, csns, err := s.Store().CheckServiceNodes(nil, "web", false)
	if err != nil || got != idx || len(csns) != 1 || len(csns[0].Checks) != 1 {
		t.Fatalf("CheckServiceNodes = %d instances @%d, %v; want 1 @%d", len(csns), got, err, idx)
	}

	bad := reg("n1", "web-2")
	bad.Checks[0].ServiceID = "missing"
	if _, err := s.Register(ctx, bad); !errors.Is(err, state.ErrUnknownService) {
		t.Errorf("Register(bad) = %v, want ErrUnknownService", err)
	}

	didx, err := s.Deregister(ctx, &state.Deregistration{Node: "n1", ServiceID: "web-1"})
	if err != nil || didx <= idx {
		t.Fatalf("Deregister = %d, %v", didx, err)
	}
	if _, csns, _ := s.Store().CheckServiceNodes(nil, "web", false); len(csns) != 0 {
		t.Errorf("after Deregister: %d instances", len(csns))
	}
}

func TestLeadershipQueries(t *testing.T) {
	s := startServer(t, testConfig(t))
	leader := s.Leader()
	if leader == "" || leader != string(s.trans.LocalAddr()) {
		t.Errorf("Leader = %q, want own address %q", leader, s.trans.LocalAddr())
	}
	peers, err := s.Peers()
	if err != nil || len(peers) != 1 || peers[0] != leader {
		t.Errorf("Peers = %v, %v; want [%s]", peers, err, leader)
	}
	if lc := s.LastContact(); lc != 0 {
		t.Errorf("LastContact on leader = %v", lc)
	}
	if err := s.VerifyLeader(context.Background()); err != nil {
		t.Errorf("VerifyLeader = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.VerifyLeader(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyLeader(cancelled) = %v", err)
	}
	if _, err := s.Register(ctx, reg("n", "s")); !errors.Is(err, context.Canceled) {
		t.Errorf("Register(cancelled) = %v", err)
	}
}

func TestShutdown(t *testing.T) {
	s := startServer(t, testConfig(t))
	if err := s.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := s.Shutdown(); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if _, err := s.Register(context.Background(), reg("n", "s")); !errors.Is(err, ErrShutdown) {
		t.Errorf("Register after Shutdown = %v, want ErrShutdown", err)
	}
	if err := s.WaitForLeader(context.Background()); !errors.Is(err, ErrShutdown) {
		t.Errorf("WaitForLeader after Shutdown = %v, want ErrShutdown", err)
	}
}

func TestDataDirRestartKeepsData(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	ctx := context.Background()

	s := startServer(t, cfg)
	for i := 0; i < 5; i++ {
		if _, err := s.Register(ctx, reg(fmt.Sprintf("n%d", i), "web-1")); err != nil {
			t.Fatal(err)
		}
	}
	// Half the data goes into a snapshot, the rest stays in the log only.
	if err := s.raft.Snapshot().Error(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var last uint64
	for i := 5; i < 10; i++ {
		idx, err := s.Register(ctx, reg(fmt.Sprintf("n%d", i), "web-1"))
		if err != nil {
			t.Fatal(err)
		}
		last = idx
	}
	if _, err := s.Deregister(ctx, &state.Deregistration{Node: "n0"}); err != nil {
		t.Fatal(err)
	}
	want := dumpNodes(t, s.Store())
	oldAddr := s.Leader()
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}

	// Same data dir, new port: the data comes back and the server leads.
	s2 := startServer(t, cfg)
	if got := dumpNodes(t, s2.Store()); got != want {
		t.Errorf("after restart:\n got %s\nwant %s", got, want)
	}
	if idx, _, _ := s2.Store().CheckServiceNodes(nil, "web", false); idx <= last {
		t.Errorf("web index after restart = %d, want > %d", idx, last)
	}
	waitFor(t, func() bool {
		peers, err := s2.Peers()
		return err == nil && len(peers) == 1 && peers[0] == s2.Leader() && peers[0] != oldAddr
	})
	if _, err := s2.Register(ctx, reg("after", "web-1")); err != nil {
		t.Errorf("Register after restart: %v", err)
	}
}

func dumpNodes(t *testing.T, st *state.Store) string {
	t.Helper()
	_, nodes, err := st.Nodes(nil)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, n := range nodes {
		_, _, svcs, _ := st.NodeServices(nil, n.Node)
		_, checks, _ := st.NodeChecks(nil, n.Node)
		out += fmt.Sprintf("%s@%d:%d services:%d checks;", n.Node, n.ModifyIndex, len(svcs), len(checks))
	}
	return out
}

func TestConcurrentRegisters(t *testing.T) {
	s := startServer(t, testConfig(t))
	const workers, each = 32, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Register(context.Background(), reg(fmt.Sprintf("n-%d-%d", w, i), "web-1")); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Register: %v", err)
	}
	_, csns, _ := s.Store().CheckServiceNodes(nil, "web", false)
	if len(csns) != workers*each {
		t.Errorf("%d instances visible, want %d", len(csns), workers*each)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		ok   bool
	}{
		{"defaults with name", func(c *Config) {}, true},
		{"no name", func(c *Config) { c.NodeName = "" }, false},
		{"no datacenter", func(c *Config) { c.Datacenter = "" }, false},
		{"bad raft addr", func(c *Config) { c.RaftAddr = "nope" }, false},
		{"unspecified bind without advertise", func(c *Config) { c.RaftAddr = "0.0.0.0:8300" }, false},
		{"unspecified bind with advertise", func(c *Config) { c.RaftAddr = "0.0.0.0:8300"; c.AdvertiseAddr = "10.1.2.3" }, true},
		{"advertise with port", func(c *Config) { c.AdvertiseAddr = "10.1.2.3:9300" }, true},
		{"advertise hostname", func(c *Config) { c.AdvertiseAddr = "example.com" }, false},
		{"advertise unspecified", func(c *Config) { c.AdvertiseAddr = "0.0.0.0" }, false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		c.NodeName = "n"
		tt.edit(&c)
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestAdvertiseAddressTakesBoundPort(t *testing.T) {
	cfg := testConfig(t)
	cfg.AdvertiseAddr = "127.0.0.1"
	s := startServer(t, cfg)
	if got, want := s.Leader(), s.trans.LocalAddr(); got != string(want) || want == "127.0.0.1:0" {
		t.Errorf("Leader = %q, transport address %q", got, want)
	}
}
