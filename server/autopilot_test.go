package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// These tests drive dead-server cleanup from a status source injected in
// place of the LAN pool (setMemberStatus): the servers run without
// gossip, so a test decides which server the "pool" reports failed. The
// pool's own statuses are covered by the agent's gossip tests.

// newAutopilotCluster is newTestCluster with a short autopilot interval
// and stabilization time, and tweak applied to every server's config.
func newAutopilotCluster(t *testing.T, n int, tweak func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	for i := range n {
		s := startAutopilotServer(t, fmt.Sprintf("server-%d", i+1), i > 0, tweak)
		c.servers = append(c.servers, s)
	}
	first := c.servers[0]
	waitFor(t, first.IsLeader)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range c.servers[1:] {
		if err := first.AddVoter(ctx, s.ID(), s.Addr()); err != nil {
			t.Fatalf("add %s: %v", s.ID(), err)
		}
	}
	for _, s := range c.servers {
		if err := s.WaitForLeader(ctx); err != nil {
			t.Fatalf("%s: %v", s.ID(), err)
		}
	}
	return c
}

// stabilization is the tests' ServerStabilizationTime.
const stabilization = 300 * time.Millisecond

func startAutopilotServer(t *testing.T, name string, noBootstrap bool, tweak func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.NodeName = name
	cfg.RaftAddr = "127.0.0.1:0"
	cfg.FastRaft = true
	cfg.NoBootstrap = noBootstrap
	cfg.AutopilotInterval = 100 * time.Millisecond
	ap := DefaultAutopilotConfig()
	ap.ServerStabilizationTime = stabilization
	ap.LastContactThreshold = time.Second // race-detector runs are slow
	cfg.Autopilot = &ap
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New %s: %v", name, err)
	}
	t.Cleanup(func() { s.Shutdown() })
	return s
}

// fakePool is an injected LAN pool view: every server alive except those
// marked.
type fakePool struct {
	mu     sync.Mutex
	status map[string]gossip.Status
}

func (f *fakePool) set(id string, st gossip.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status == nil {
		f.status = map[string]gossip.Status{}
	}
	f.status[id] = st
}

func (f *fakePool) lookup(id string) (gossip.Status, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.status[id]; ok {
		return st, true
	}
	return gossip.StatusAlive, true
}

// setMemberStatus makes every server of c use pool as its LAN view.
func (c *testCluster) setMemberStatus(pool *fakePool) {
	for _, s := range c.servers {
		s.ap.mu.Lock()
		s.ap.status = pool.lookup
		s.ap.mu.Unlock()
	}
}

func raftServerIDs(t *testing.T, s *Server) map[string]bool {
	t.Helper()
	conf, err := s.RaftConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, rs := range conf.Servers {
		ids[rs.ID] = rs.Voter
	}
	return ids
}

func TestAutopilotRemovesFailedServer(t *testing.T) {
	c := newAutopilotCluster(t, 3, nil)
	pool := &fakePool{}
	c.setMemberStatus(pool)
	dead := c.followers()[0]
	if err := dead.Shutdown(); err != nil {
		t.Fatal(err)
	}
	pool.set(dead.ID(), gossip.StatusFailed)
	waitFor(t, func() bool {
		_, ok := raftServerIDs(t, c.leader())[dead.ID()]
		return !ok
	})
	if n := len(raftServerIDs(t, c.leader())); n != 2 {
		t.Fatalf("%d servers left, want 2", n)
	}
}

func TestAutopilotPromotesStableNonvoter(t *testing.T) {
	c := newAutopilotCluster(t, 3, nil)
	fourth := startAutopilotServer(t, "server-4", true, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := c.leader()
	added := time.Now()
	if err := l.AddNonvoter(ctx, fourth.ID(), fourth.Addr()); err != nil {
		t.Fatal(err)
	}
	// Added as a non-voter, it becomes a voter once healthy for the
	// stabilization time.
	if voter, ok := raftServerIDs(t, l)[fourth.ID()]; !ok || voter {
		t.Fatalf("fourth server listed %v, voter %v; want a non-voter", ok, voter)
	}
	waitFor(t, func() bool { return raftServerIDs(t, c.leader())[fourth.ID()] })
	// Not before it had been healthy for the stabilization time, which
	// started after it was added.
	if since := time.Since(added); since < stabilization {
		t.Fatalf("promoted %v after being added, before the stabilization time %v", since, stabilization)
	}
}

func TestAutopilotHealthStoppedServer(t *testing.T) {
	c := newAutopilotCluster(t, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	asker := c.followers()[1] // health is forwarded to the leader
	var h *AutopilotHealth
	waitFor(t, func() bool {
		var err error
		h, err = asker.AutopilotServerHealth(ctx)
		return err == nil && h.Healthy && len(h.Servers) == 3
	})
	if h.FailureTolerance != 1 {
		t.Fatalf("healthy cluster: failure tolerance %d, want 1", h.FailureTolerance)
	}
	// The leader's configuration carries the last indexes autopilot saw.
	waitFor(t, func() bool {
		conf, err := c.leader().RaftConfiguration()
		if err != nil {
			return false
		}
		for _, rs := range conf.Servers {
			if rs.LastIndex == 0 {
				return false
			}
		}
		return true
	})
	stopped := c.followers()[0]
	if stopped == asker {
		stopped = c.followers()[1]
	}
	if err := stopped.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		var err error
		h, err = asker.AutopilotServerHealth(ctx)
		return err == nil && !h.Healthy
	})
	for _, sh := range h.Servers {
		if sh.Healthy == (sh.ID == stopped.ID()) {
			t.Errorf("server %s healthy = %v", sh.ID, sh.Healthy)
		}
		if sh.Leader != (sh.ID == c.leader().ID()) || !sh.Voter || sh.StableSince.IsZero() {
			t.Errorf("server %+v", sh)
		}
	}
	if h.FailureTolerance != 0 {
		t.Fatalf("failure tolerance %d with one of three down, want 0", h.FailureTolerance)
	}
}

func TestAutopilotConfigurationThroughRaft(t *testing.T) {
	c := newAutopilotCluster(t, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := c.followers()[0]
	conf, idx, err := f.AutopilotConfiguration()
	if err != nil || idx != 0 || !conf.CleanupDeadServers {
		t.Fatalf("agent's configuration = %+v, %d, %v", conf, idx, err)
	}
	conf.MinQuorum = 3
	if ok, err := f.AutopilotSetConfiguration(ctx, &state.AutopilotRequest{Config: conf, CAS: true}); err != nil || !ok {
		t.Fatalf("CAS create through a follower = %v, %v", ok, err)
	}
	if ok, err := f.AutopilotSetConfiguration(ctx, &state.AutopilotRequest{Config: conf, CAS: true}); err != nil || ok {
		t.Fatalf("stale CAS = %v, %v; want false", ok, err)
	}
	for _, s := range c.servers {
		waitFor(t, func() bool {
			got, idx, err := s.AutopilotConfiguration()
			return err == nil && idx > 0 && got.MinQuorum == 3
		})
	}
}

func TestDeadToRemove(t *testing.T) {
	srv := func(id, status string, voter bool) ServerHealth {
		return ServerHealth{ID: id, SerfStatus: status, Voter: voter}
	}
	leader := ServerHealth{ID: "l", SerfStatus: "alive", Voter: true, Leader: true}
	tests := []struct {
		name      string
		minQuorum uint
		servers   []ServerHealth
		want      []string
		refused   bool
	}{
		{"all alive", 0, []ServerHealth{leader, srv("a", "alive", true), srv("b", "alive", true)}, nil, false},
		{"one of three failed", 0, []ServerHealth{leader, srv("a", "failed", true), srv("b", "alive", true)}, []string{"a"}, false},
		{"one of three left", 0, []ServerHealth{leader, srv("a", "left", true), srv("b", "alive", true)}, []string{"a"}, false},
		{"unknown to the pool stays", 0, []ServerHealth{leader, srv("a", "none", true), srv("b", "alive", true)}, nil, false},
		{"two of three failed: no majority", 0, []ServerHealth{leader, srv("a", "failed", true), srv("b", "failed", true)}, nil, true},
		{"one of two failed", 0, []ServerHealth{leader, srv("a", "failed", true)}, nil, true},
		{"min quorum holds", 3, []ServerHealth{leader, srv("a", "failed", true), srv("b", "alive", true)}, nil, true},
		{"min quorum met", 3, []ServerHealth{leader, srv("a", "failed", true), srv("b", "alive", true), srv("c", "alive", true)}, []string{"a"}, false},
		{"two of five failed", 0, []ServerHealth{leader, srv("a", "failed", true), srv("b", "failed", true), srv("c", "alive", true), srv("d", "alive", true)}, []string{"a", "b"}, false},
		{"min quorum stops the second", 4, []ServerHealth{leader, srv("a", "failed", true), srv("b", "failed", true), srv("c", "alive", true), srv("d", "alive", true)}, []string{"a"}, true},
		{"dead non-voters always go", 0, []ServerHealth{leader, srv("n", "failed", false), srv("a", "failed", true)}, []string{"n"}, true},
		{"the leader never goes", 0, []ServerHealth{{ID: "l", SerfStatus: "failed", Voter: true, Leader: true}, srv("a", "alive", true), srv("b", "alive", true)}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, refused := deadToRemove(state.AutopilotConfig{MinQuorum: tt.minQuorum}, tt.servers)
			var ids []string
			for _, sh := range got {
				ids = append(ids, sh.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) || (refused != "") != tt.refused {
				t.Fatalf("deadToRemove = %v, %q; want %v, refused %v", ids, refused, tt.want, tt.refused)
			}
		})
	}
}

func TestHealthyRules(t *testing.T) {
	conf := DefaultAutopilotConfig()
	leader := raftStats{LastTerm: 4, LastIndex: 1000}
	tests := []struct {
		name string
		st   raftStats
		want bool
	}{
		{"in step", raftStats{LastContact: 10 * time.Millisecond, LastTerm: 4, LastIndex: 1000}, true},
		{"never heard from the leader", raftStats{LastContact: -1, LastTerm: 4, LastIndex: 1000}, false},
		{"contact too old", raftStats{LastContact: 300 * time.Millisecond, LastTerm: 4, LastIndex: 1000}, false},
		{"older term", raftStats{LastContact: 10 * time.Millisecond, LastTerm: 3, LastIndex: 1000}, false},
		{"250 behind", raftStats{LastContact: 10 * time.Millisecond, LastTerm: 4, LastIndex: 750}, true},
		{"251 behind", raftStats{LastContact: 10 * time.Millisecond, LastTerm: 4, LastIndex: 749}, false},
	}
	for _, tt := range tests {
		if got := healthy(conf, 50*time.Millisecond, leader, tt.st); got != tt.want {
			t.Errorf("%s: healthy = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A slow multiplier stretches the contact threshold to two heartbeat gaps.
	if !healthy(conf, time.Second, leader, raftStats{LastContact: 1500 * time.Millisecond, LastTerm: 4, LastIndex: 1000}) {
		t.Error("contact within two heartbeat gaps judged unhealthy")
	}
}
