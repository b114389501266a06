package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// testCluster is n servers on loopback with fast Raft timings, formed by
// adding every server to the first one's cluster.
type testCluster struct {
	t       testing.TB
	servers []*Server
}

func newTestCluster(t testing.TB, n int) *testCluster {
	return newTestClusterWith(t, n, func(*Config) {})
}

// newTestClusterWith is newTestCluster with each server's config changed
// by edit first.
func newTestClusterWith(t testing.TB, n int, edit func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	for i := range n {
		cfg := DefaultConfig()
		cfg.NodeName = fmt.Sprintf("server-%d", i+1)
		cfg.RaftAddr = "127.0.0.1:0"
		cfg.FastRaft = true
		edit(&cfg)
		cfg.NoBootstrap = i > 0
		s, err := New(cfg)
		if err != nil {
			t.Fatalf("New %s: %v", cfg.NodeName, err)
		}
		t.Cleanup(func() { s.Shutdown() })
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
	// Every server must know the whole configuration before a test stops
	// one: a follower that has not seen the last AddVoter yet refuses the
	// votes of servers outside its configuration, so with the leader
	// gone no election could succeed.
	waitFor(t, func() bool {
		for _, s := range c.servers {
			f := s.raft.GetConfiguration()
			if f.Error() != nil || len(f.Configuration().Servers) != n {
				return false
			}
		}
		return true
	})
	return c
}

// leader returns the server that leads now, waiting for one.
func (c *testCluster) leader() *Server {
	c.t.Helper()
	var l *Server
	waitFor(c.t, func() bool {
		for _, s := range c.servers {
			if s.IsLeader() {
				l = s
				return true
			}
		}
		return false
	})
	return l
}

// followers returns the servers that do not lead now.
func (c *testCluster) followers() []*Server {
	l := c.leader()
	var out []*Server
	for _, s := range c.servers {
		if s != l {
			out = append(out, s)
		}
	}
	return out
}

func TestClusterFollowerForwardsWrites(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx := context.Background()
	f := c.followers()[0]
	ok, idx, err := f.KVApply(ctx, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "fwd", Value: []byte("v")}})
	if err != nil || !ok || idx == 0 {
		t.Fatalf("KVApply on a follower = %v, %d, %v", ok, idx, err)
	}
	// Every server's store has the write once it has applied idx.
	for _, s := range c.servers {
		waitFor(t, func() bool {
			_, e, _ := s.Store().KVGet(nil, "fwd")
			return e != nil && string(e.Value) == "v"
		})
	}

	// Methods that choose IDs on the leader hand them back.
	if _, err := f.Register(ctx, &state.Registration{Node: state.Node{Node: "n1", Address: "10.0.0.1"}}); err != nil {
		t.Fatalf("register through a follower: %v", err)
	}
	sess := &state.Session{Node: "n1", LockDelay: -1}
	if _, err := f.SessionCreate(ctx, sess); err != nil || sess.ID == "" {
		t.Fatalf("session create through a follower = %q, %v", sess.ID, err)
	}
	if got, err := f.SessionRenew(ctx, sess.ID); err != nil || got == nil || got.ID != sess.ID {
		t.Fatalf("renew through a follower = %+v, %v", got, err)
	}
	results, errs, _, err := f.Txn(ctx, []state.TxnOp{
		{KV: &state.TxnKVOp{Verb: state.KVSet, Entry: state.KVEntry{Key: "t1", Value: []byte("1")}}},
		{KV: &state.TxnKVOp{Verb: state.KVCheckIndex, Entry: state.KVEntry{Key: "t1", ModifyIndex: 1}}},
	})
	if err != nil || len(errs) != 1 || results != nil {
		t.Fatalf("failing txn through a follower = %v, %v, %v; want one op error", results, errs, err)
	}

	// Store errors keep their identity across the forward.
	_, _, err = f.KVApply(ctx, &state.KVRequest{Op: state.KVSet})
	if !errors.Is(err, state.ErrInvalidKey) {
		t.Fatalf("empty key through a follower = %v, want ErrInvalidKey", err)
	}
}

// TestClusterCASRaceAcrossServers: writers on every server race to CAS the
// same index; exactly one wins.
func TestClusterCASRaceAcrossServers(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx := context.Background()
	if _, _, err := c.servers[0].KVApply(ctx, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "race"}}); err != nil {
		t.Fatal(err)
	}
	_, cur, _ := c.leader().Store().KVGet(nil, "race")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 12 {
		s := c.servers[i%len(c.servers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := s.KVApply(ctx, &state.KVRequest{Op: state.KVCAS,
				Entry: state.KVEntry{Key: "race", Value: []byte(fmt.Sprint(i)), ModifyIndex: cur.ModifyIndex}})
			if err != nil {
				t.Errorf("CAS on %s: %v", s.ID(), err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d CAS winners, want 1", n)
	}
}

// TestClusterSurvivesLeaderLoss: the leader stops; the others elect a new
// one and writes through any survivor go on.
func TestClusterSurvivesLeaderLoss(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	old := c.leader()
	if err := old.Shutdown(); err != nil {
		t.Fatalf("shutdown leader: %v", err)
	}
	var survivors []*Server
	for _, s := range c.servers {
		if s != old {
			survivors = append(survivors, s)
		}
	}
	c.servers = survivors
	for _, s := range survivors {
		ok, _, err := s.KVApply(ctx, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "after/" + s.ID()}})
		if err != nil || !ok {
			t.Fatalf("write through %s after the leader left = %v, %v", s.ID(), ok, err)
		}
	}
	if l := c.leader(); l == old {
		t.Fatal("the stopped server still leads")
	}
}

// BenchmarkClusterKVApply: writes through the leader of three servers,
// each with its own data dir (raft-wal, fsync on), 32 writers at a time,
// as the cluster figure of the issue has them: the Raft and disk path
// without HTTP.
func BenchmarkClusterKVApply(b *testing.B) {
	c := newTestClusterWith(b, 3, func(cfg *Config) {
		cfg.FastRaft = false
		cfg.DataDir = b.TempDir()
	})
	l := c.leader()
	val := make([]byte, 100)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16) // 32 writers on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			key := fmt.Sprintf("bench/%d", i%64)
			if _, _, err := l.KVApply(context.Background(), &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: key, Value: val}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
