//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/internal/kvhistory"
)

// Fault tests against a real three-server cluster: separate pylon
// processes, each in its own network namespace (blackbox_netlab_test.go),
// with Raft on disk. Raft runs at raft_multiplier = 1.
var clusterFlags = []string{"-hcl", "performance { raft_multiplier = 1 }"}

// clusterTimeout bounds every wait for the cluster to settle.
const clusterTimeout = 30 * time.Second

func startLabCluster(t *testing.T) *netLab {
	t.Helper()
	l := newNetLab(t, 3)
	l.startServers(clusterFlags...)
	l.waitLeader(l.nodes...)
	return l
}

// leaderOf returns which node the given nodes agree is the leader, or nil
// while they do not agree on one.
func (l *netLab) leaderOf(nodes ...*labNode) *labNode {
	var addr string
	for _, nd := range nodes {
		got, err := nd.client().Status().Leader()
		if err != nil || got == "" || (addr != "" && got != addr) {
			return nil
		}
		addr = got
	}
	for _, nd := range l.nodes {
		if strings.HasPrefix(addr, nd.ip+":") {
			return nd
		}
	}
	return nil
}

// waitLeader waits until the nodes agree on a leader among themselves.
func (l *netLab) waitLeader(nodes ...*labNode) *labNode {
	l.t.Helper()
	var leader *labNode
	labWait(l.t, "a leader the nodes agree on", func() bool {
		leader = l.leaderOf(nodes...)
		return leader != nil && slices.Contains(nodes, leader)
	})
	return leader
}

func labWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	labWaitFor(t, what, clusterTimeout, cond)
}

func labWaitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *netLab) others(nd *labNode) []*labNode {
	var out []*labNode
	for _, o := range l.nodes {
		if o != nd {
			out = append(out, o)
		}
	}
	return out
}

func putKV(c *api.Client, key, value string) error {
	_, err := c.KV().Put(&api.KVPair{Key: key, Value: []byte(value)}, nil)
	return err
}

func getKV(t *testing.T, c *api.Client, key string) string {
	t.Helper()
	p, _, err := c.KV().Get(key, &api.QueryOptions{RequireConsistent: true})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if p == nil {
		return ""
	}
	return string(p.Value)
}

// TestClusterLeaderKilled: kill -9 of the leader; the others elect a new
// one, writes resume, and no acknowledged write is lost.
func TestClusterLeaderKilled(t *testing.T) {
	l := startLabCluster(t)
	old := l.waitLeader(l.nodes...)
	for i := range 20 {
		if err := putKV(old.client(), fmt.Sprint("before/", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	old.kill9()
	rest := l.others(old)
	l.waitLeader(rest...)
	if err := putKV(rest[0].client(), "after", "v"); err != nil {
		t.Fatalf("write after the leader died: %v", err)
	}
	keys, _, err := rest[1].client().KV().Keys("before/", "", &api.QueryOptions{RequireConsistent: true})
	if err != nil || len(keys) != 20 {
		t.Fatalf("acknowledged writes after failover: %d keys, %v; want 20", len(keys), err)
	}
}

// TestClusterLeaderPartitioned: the leader is cut off into a minority of
// one. A write it takes while it still believes it leads is never
// acknowledged; it steps down, the majority elects a leader and takes
// writes, and after the partition heals the lost write never appears.
func TestClusterLeaderPartitioned(t *testing.T) {
	l := startLabCluster(t)
	old := l.waitLeader(l.nodes...)
	rest := l.others(old)
	old.isolate()
	lost := make(chan error, 1)
	go func() { lost <- putKV(old.client(), "minority", "v") }()
	l.waitLeader(rest...)
	if err := putKV(rest[0].client(), "majority", "v"); err != nil {
		t.Fatalf("write to the majority: %v", err)
	}
	labWait(t, "the isolated server to step down", func() bool {
		leader, err := old.client().Status().Leader()
		return err == nil && leader == ""
	})
	select {
	case err := <-lost:
		if err == nil {
			t.Fatal("a write to the isolated leader was acknowledged")
		}
	case <-time.After(clusterTimeout):
		t.Fatal("the write to the isolated leader did not fail while it was isolated")
	}
	old.heal()
	l.waitLeader(l.nodes...)
	labWait(t, "the healed server to catch up", func() bool {
		p, _, err := old.client().KV().Get("majority", &api.QueryOptions{AllowStale: true})
		return err == nil && p != nil
	})
	for _, nd := range l.nodes {
		if v := getKV(t, nd.client(), "minority"); v != "" {
			t.Fatalf("%s has the unacknowledged minority write", nd.name)
		}
		p, _, err := nd.client().KV().Get("minority", &api.QueryOptions{AllowStale: true})
		if err != nil || p != nil {
			t.Fatalf("%s's own store has the unacknowledged minority write (%v)", nd.name, err)
		}
	}
}

// TestClusterServerPausedAndResumed: a follower frozen with SIGSTOP does
// not stop the majority; thawed, it catches up.
func TestClusterServerPausedAndResumed(t *testing.T) {
	l := startLabCluster(t)
	leader := l.waitLeader(l.nodes...)
	paused := l.others(leader)[0]
	paused.pause()
	for i := range 10 {
		if err := putKV(leader.client(), fmt.Sprint("paused/", i), "v"); err != nil {
			paused.resume()
			t.Fatalf("write while a follower is paused: %v", err)
		}
	}
	time.Sleep(3 * time.Second) // long enough to be suspected and failed by gossip
	paused.resume()
	labWait(t, "the thawed follower to catch up", func() bool {
		keys, _, err := paused.client().KV().Keys("paused/", "", &api.QueryOptions{AllowStale: true})
		return err == nil && len(keys) == 10
	})
	l.waitLeader(l.nodes...)
}

// TestClusterRestartFromDisk: every server is killed, then started again
// on its data dir: the state is intact and a leader is elected.
func TestClusterRestartFromDisk(t *testing.T) {
	l := startLabCluster(t)
	leader := l.waitLeader(l.nodes...)
	for i := range 30 {
		if err := putKV(leader.client(), fmt.Sprint("disk/", i), strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, nd := range l.nodes {
		nd.kill9()
	}
	for _, nd := range l.nodes {
		nd.restart()
	}
	leader = l.waitLeader(l.nodes...)
	for i := range 30 {
		if v := getKV(t, leader.client(), fmt.Sprint("disk/", i)); v != strconv.Itoa(i) {
			t.Fatalf("disk/%d = %q after a restart of every server", i, v)
		}
	}
}

// TestClusterRecoverWithPeersJSON: two of three servers are lost for good,
// so the last one can never win an election. With a peers.json naming only
// itself in its raft directory it leads again on restart, with its data,
// and the file is consumed.
func TestClusterRecoverWithPeersJSON(t *testing.T) {
	l := startLabCluster(t)
	survivor := l.waitLeader(l.nodes...) // it has every acknowledged write
	for i := range 10 {
		if err := putKV(survivor.client(), fmt.Sprint("outage/", i), strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, nd := range l.nodes {
		nd.kill9()
	}
	id, err := os.ReadFile(filepath.Join(survivor.dataDir, "node-id"))
	if err != nil {
		t.Fatal(err)
	}
	peers := filepath.Join(survivor.dataDir, "raft", "peers.json")
	body := fmt.Sprintf(`[{"id": %q, "address": "%s:8300", "non_voter": false}]`, strings.TrimSpace(string(id)), survivor.ip)
	if err := os.WriteFile(peers, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	survivor.restart()
	l.waitLeader(survivor)
	for i := range 10 {
		if v := getKV(t, survivor.client(), fmt.Sprint("outage/", i)); v != strconv.Itoa(i) {
			t.Fatalf("outage/%d = %q after the recovery", i, v)
		}
	}
	if err := putKV(survivor.client(), "after", "v"); err != nil {
		t.Fatalf("write after the recovery: %v", err)
	}
	conf, err := survivor.client().Operator().RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 1 {
		t.Fatalf("raft configuration after the recovery = %+v, %v; want the survivor alone", conf, err)
	}
	if _, err := os.Stat(peers); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("peers.json after the recovery: %v, want it consumed", err)
	}
}

// TestClusterLinearizableUnderFaults runs the KV history checker against
// the cluster while a nemesis kills, pauses and partitions servers at
// random. PYLON_NEMESIS_SEED replays a run; PYLON_NEMESIS_RUNS repeats it.
func TestClusterLinearizableUnderFaults(t *testing.T) {
	runs := 1
	if v, err := strconv.Atoi(os.Getenv("PYLON_NEMESIS_RUNS")); err == nil && v > 0 {
		runs = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("PYLON_NEMESIS_SEED"), 10, 64); err == nil {
		seed = v
	}
	for run := range runs {
		runSeed := seed + uint64(run)
		t.Run(fmt.Sprint("seed=", runSeed), func(t *testing.T) { nemesisRun(t, runSeed) })
	}
	t.Logf("%d run(s), first seed %d (replay with PYLON_NEMESIS_SEED=%d)", runs, seed, seed)
}

func nemesisRun(t *testing.T, seed uint64) {
	l := startLabCluster(t)
	clients := make([]*api.Client, len(l.nodes))
	for i, nd := range l.nodes {
		clients[i] = nd.client()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.nemesis(ctx, rand.New(rand.NewPCG(seed, 1)))
	}()
	w := kvhistory.Workload{Clients: 6, Keys: []string{"nem/a", "nem/b", "nem/c"}, Duration: 20 * time.Second, Seed: seed}
	h := w.Run(context.Background(), &anyServerKV{clients: clients, rng: rand.New(rand.NewPCG(seed, 2))})
	cancel()
	wg.Wait()
	res := h.Check(2 * time.Minute)
	t.Logf("seed %d: checked %d operations (%d writes of unknown outcome): %s", seed, h.Len(), h.Unknowns(), res)
	if res != porcupine.Ok {
		t.Fatalf("history of %d operations (seed %d) is %s, want linearizable", h.Len(), seed, res)
	}
	if h.Len() < 100 {
		t.Fatalf("only %d operations recorded", h.Len())
	}
}

// nemesis injects one fault at a time into a random server, holds it
// for a moment and repairs it, until ctx ends; it leaves the cluster whole.
func (l *netLab) nemesis(ctx context.Context, rng *rand.Rand) {
	for ctx.Err() == nil {
		nd := l.nodes[rng.IntN(len(l.nodes))]
		hold := time.Duration(500+rng.IntN(2500)) * time.Millisecond
		fault := rng.IntN(3)
		l.t.Logf("nemesis: %s %s for %v", []string{"kill", "pause", "partition"}[fault], nd.name, hold)
		switch fault {
		case 0:
			nd.kill9()
			sleepCtx(ctx, hold)
			nd.restart()
		case 1:
			nd.pause()
			sleepCtx(ctx, hold)
			nd.resume()
		case 2:
			nd.isolate()
			sleepCtx(ctx, hold)
			nd.heal()
		}
		sleepCtx(ctx, time.Duration(500+rng.IntN(1500))*time.Millisecond)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// anyServerKV is kvhistory.Store over the official client, each
// operation through a random server, reads in consistent mode.
type anyServerKV struct {
	mu      sync.Mutex
	clients []*api.Client
	rng     *rand.Rand
}

func (s *anyServerKV) pick() *api.KV {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[s.rng.IntN(len(s.clients))].KV()
}

func (s *anyServerKV) Get(ctx context.Context, key string) (string, uint64, error) {
	p, _, err := s.pick().Get(key, (&api.QueryOptions{RequireConsistent: true}).WithContext(ctx))
	if err != nil || p == nil {
		return "", 0, err
	}
	return string(p.Value), p.ModifyIndex, nil
}

func (s *anyServerKV) Put(ctx context.Context, key, value string) error {
	_, err := s.pick().Put(&api.KVPair{Key: key, Value: []byte(value)}, (&api.WriteOptions{}).WithContext(ctx))
	return notApplied(err)
}

func (s *anyServerKV) CAS(ctx context.Context, key, value string, index uint64) (bool, error) {
	ok, _, err := s.pick().CAS(&api.KVPair{Key: key, Value: []byte(value), ModifyIndex: index}, (&api.WriteOptions{}).WithContext(ctx))
	return ok, notApplied(err)
}

func (s *anyServerKV) Delete(ctx context.Context, key string) error {
	_, err := s.pick().Delete(key, (&api.WriteOptions{}).WithContext(ctx))
	return notApplied(err)
}

// notApplied marks the error of a write that never reached a server, one
// whose connection could not be opened (a killed or cut-off server), as
// kvhistory.ErrNotApplied. Any later failure, a timeout on an open
// connection included, leaves the outcome unknown.
func notApplied(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: %w", kvhistory.ErrNotApplied, err)
	}
	return err
}

// TestClusterClientFlapDoesNotFailOthers: a client agent's link flaps
// (down and up every 700 ms, five times). Its failed probes of others
// must not get healthy servers marked failed: they refute the suspicion
// (Lifeguard), so their serfHealth checks stay passing throughout.
func TestClusterClientFlapDoesNotFailOthers(t *testing.T) {
	l := newNetLab(t, 4)
	l.startAgents(3, clusterFlags...)
	servers, client := l.nodes[:3], l.nodes[3]
	leader := l.waitLeader(servers...)
	t.Log("leader elected")
	watch := leader.client()
	serfStatus := func(node string) string {
		checks, _, err := watch.Health().Node(node, &api.QueryOptions{AllowStale: true})
		if err != nil {
			return "error: " + err.Error()
		}
		for _, c := range checks {
			if c.CheckID == "serfHealth" {
				return c.Status
			}
		}
		return "absent"
	}
	labWait(t, "every node's serfHealth passing", func() bool {
		for _, nd := range l.nodes {
			if serfStatus(nd.name) != api.HealthPassing {
				return false
			}
		}
		return true
	})

	t.Log("every node passing")
	stop := make(chan struct{})
	bad := make(chan string, 1)
	go func() { // watch the servers' checks during and after the flap
		for {
			for _, nd := range servers {
				if st := serfStatus(nd.name); st == api.HealthCritical {
					select {
					case bad <- nd.name:
					default:
					}
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	for range 5 {
		client.isolate()
		time.Sleep(700 * time.Millisecond)
		client.heal()
		time.Sleep(700 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // long past a suspicion timeout
	close(stop)
	select {
	case name := <-bad:
		t.Fatalf("healthy server %s was marked failed because a client's link flapped", name)
	default:
	}
	// A client the flap left marked failed learns so, and refutes it, in
	// its next push/pull sync or the servers' next reconnect attempt: both
	// run every 30 s at production timings.
	labWaitFor(t, "the flapping client alive again", 2*clusterTimeout, func() bool { return serfStatus(client.name) == api.HealthPassing })
}

// TestClusterReplaceLostServer: one of three servers is lost for good and
// a new one takes its place. The newcomer must not bootstrap a cluster of
// its own; autopilot removes the dead server and promotes the new one, so
// the cluster is three healthy voters again.
func TestClusterReplaceLostServer(t *testing.T) {
	l := newNetLab(t, 4)
	flags := append(slices.Clone(clusterFlags), "-hcl", `autopilot { server_stabilization_time = "1s" }`)
	originals, fresh := l.nodes[:3], l.nodes[3]
	var join []string
	for _, nd := range originals {
		join = append(join, nd.ip)
	}
	for _, nd := range originals {
		nd.startAgent(true, 3, join, flags...)
	}
	leader := l.waitLeader(originals...)
	if err := putKV(leader.client(), "before", "v"); err != nil {
		t.Fatal(err)
	}
	lost := l.others(leader)[0]
	lost.kill9()
	fresh.name = "s4"
	fresh.startAgent(true, 3, join, flags...)

	survivors := []*labNode{}
	for _, nd := range l.nodes {
		if nd != lost {
			survivors = append(survivors, nd)
		}
	}
	labWait(t, "three voters: the survivors and the newcomer", func() bool {
		conf, err := leader.client().Operator().RaftGetConfiguration(nil)
		if err != nil || len(conf.Servers) != 3 {
			return false
		}
		for _, srv := range conf.Servers {
			if !srv.Voter || strings.HasPrefix(srv.Address, lost.ip+":") {
				return false
			}
		}
		return true
	})
	l.waitLeader(survivors...)
	if v := getKV(t, fresh.client(), "before"); v != "v" {
		t.Fatalf("the newcomer reads %q, want the cluster's data", v)
	}
	labWait(t, "autopilot to report three healthy servers, tolerating one failure", func() bool {
		h, err := leader.client().Operator().AutopilotServerHealth(nil)
		return err == nil && h.Healthy && h.FailureTolerance == 1 && len(h.Servers) == 3
	})
}
