package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

func kvReq(op state.KVOp, key string, e state.KVEntry) *state.KVRequest {
	e.Key = key
	return &state.KVRequest{Op: op, Entry: e}
}

// mustKVApply applies a KV write that must not fail and returns its
// outcome and index.
func mustKVApply(t testing.TB, s *Server, req *state.KVRequest) (bool, uint64) {
	t.Helper()
	ok, idx, err := s.KVApply(context.Background(), req)
	if err != nil {
		t.Fatalf("KVApply(%s %q): %v", req.Op, req.Entry.Key, err)
	}
	return ok, idx
}

// mustCreateSession creates a session on node "n1", registering the node
// first if needed.
func mustCreateSession(t testing.TB, s *Server, sess state.Session) string {
	t.Helper()
	ctx := context.Background()
	if _, n, _ := s.Store().GetNode(nil, "n1"); n == nil {
		if _, err := s.Register(ctx, reg("n1", "web-1")); err != nil {
			t.Fatal(err)
		}
	}
	if sess.Node == "" {
		sess.Node = "n1"
	}
	if _, err := s.SessionCreate(ctx, &sess); err != nil {
		t.Fatalf("SessionCreate: %v", err)
	}
	return sess.ID
}

func TestKVApplyThroughRaft(t *testing.T) {
	s := startServer(t, testConfig(t))
	ok, idx := mustKVApply(t, s, kvReq(state.KVSet, "a", state.KVEntry{Value: []byte("1"), Flags: 42}))
	if !ok || idx == 0 {
		t.Fatalf("set = %v @%d", ok, idx)
	}
	got, e, _ := s.Store().KVGet(nil, "a")
	if got != idx || e == nil || string(e.Value) != "1" || e.Flags != 42 || e.ModifyIndex != idx {
		t.Fatalf("KVGet = %+v @%d", e, got)
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVCAS, "a", state.KVEntry{ModifyIndex: idx - 1})); ok {
		t.Error("stale cas succeeded")
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVDeleteCAS, "a", state.KVEntry{ModifyIndex: idx})); !ok {
		t.Error("delete-cas failed")
	}
	ctx := context.Background()
	tests := []struct {
		name string
		req  *state.KVRequest
		want error
	}{
		{"empty key", kvReq(state.KVSet, "", state.KVEntry{}), state.ErrInvalidKey},
		{"read verb", kvReq(state.KVGetOp, "a", state.KVEntry{}), state.ErrUnknownKVOp},
		{"nil", nil, state.ErrUnknownKVOp},
		{"lock without session", kvReq(state.KVLock, "a", state.KVEntry{}), state.ErrSessionNotFound},
		{"lock unknown session", kvReq(state.KVLock, "a", state.KVEntry{Session: "nope"}), state.ErrSessionNotFound},
	}
	for _, tt := range tests {
		before := s.raft.LastIndex()
		if ok, _, err := s.KVApply(ctx, tt.req); ok || !errors.Is(err, tt.want) {
			t.Errorf("%s: KVApply = %v, %v; want %v", tt.name, ok, err, tt.want)
		}
		if s.raft.LastIndex() != before {
			t.Errorf("%s: a refused write reached the log", tt.name)
		}
	}
}

// TestKVCASRace lets many goroutines race to create a key with cas=0 and
// then to update it from the same index: each round has exactly one
// winner.
func TestKVCASRace(t *testing.T) {
	s := startServer(t, testConfig(t))
	const racers = 32
	race := func(req func(i int) *state.KVRequest) (int, uint64) {
		var wins atomic.Int32
		var winIdx atomic.Uint64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, idx, err := s.KVApply(context.Background(), req(i))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins.Add(1)
					winIdx.Store(idx)
				}
			}()
		}
		close(start)
		wg.Wait()
		return int(wins.Load()), winIdx.Load()
	}
	wins, created := race(func(i int) *state.KVRequest {
		return kvReq(state.KVCAS, "race", state.KVEntry{Value: []byte{byte(i)}})
	})
	if wins != 1 {
		t.Fatalf("create round: %d winners, want 1", wins)
	}
	wins, updated := race(func(i int) *state.KVRequest {
		return kvReq(state.KVCAS, "race", state.KVEntry{Value: []byte{byte(i)}, ModifyIndex: created})
	})
	if wins != 1 {
		t.Fatalf("update round: %d winners, want 1", wins)
	}
	if _, e, _ := s.Store().KVGet(nil, "race"); e.ModifyIndex != updated || e.CreateIndex != created {
		t.Errorf("entry = %+v, want created %d, modified %d", e, created, updated)
	}
}

func TestLockUnlockAndLockDelay(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	long := mustCreateSession(t, s, state.Session{LockDelay: time.Minute})
	other := mustCreateSession(t, s, state.Session{})
	none := mustCreateSession(t, s, state.Session{LockDelay: -1}) // explicitly no lock delay

	if ok, _ := mustKVApply(t, s, kvReq(state.KVLock, "leader", state.KVEntry{Value: []byte("me"), Session: long})); !ok {
		t.Fatal("first lock failed")
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVLock, "leader", state.KVEntry{Session: other})); ok {
		t.Fatal("second session took a held lock")
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVUnlock, "leader", state.KVEntry{Session: other})); ok {
		t.Fatal("a non-holder released the lock")
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVUnlock, "leader", state.KVEntry{Value: []byte("free"), Session: long})); !ok {
		t.Fatal("holder could not release")
	}
	// Released by unlock: no lock delay, the other session takes it.
	if ok, _ := mustKVApply(t, s, kvReq(state.KVLock, "leader", state.KVEntry{Session: other})); !ok {
		t.Fatal("lock after release failed")
	}
	if _, e, _ := s.Store().KVGet(nil, "leader"); e.LockIndex != 2 || e.Session != other {
		t.Fatalf("entry = %+v, want LockIndex 2 held by the other session", e)
	}

	// A destroyed session's keys get its lock delay: a lock is refused
	// without touching the log.
	mustKVApply(t, s, kvReq(state.KVLock, "delayed", state.KVEntry{Session: long}))
	if _, err := s.SessionDestroy(ctx, long); err != nil {
		t.Fatal(err)
	}
	before := s.raft.LastIndex()
	ok, idx, err := s.KVApply(ctx, kvReq(state.KVLock, "delayed", state.KVEntry{Session: other}))
	if ok || idx != 0 || err != nil || s.raft.LastIndex() != before {
		t.Fatalf("lock during lock delay = %v @%d, %v (log %d -> %d)", ok, idx, err, before, s.raft.LastIndex())
	}
	if _, e, _ := s.Store().KVGet(nil, "delayed"); e.Session != "" || e.LockIndex != 1 {
		t.Errorf("released key = %+v", e)
	}
	// A session without lock delay: its keys can be taken at once.
	mustKVApply(t, s, kvReq(state.KVLock, "quick", state.KVEntry{Session: none}))
	if _, err := s.SessionDestroy(ctx, none); err != nil {
		t.Fatal(err)
	}
	if ok, _ := mustKVApply(t, s, kvReq(state.KVLock, "quick", state.KVEntry{Session: other})); !ok {
		t.Error("lock after a session without lock delay ended was refused")
	}
}

// BenchmarkKVApply sets keys through Raft from parallel goroutines on a
// dev server (in-memory Raft), as concurrent HTTP PUTs do.
func BenchmarkKVApply(b *testing.B) {
	s := startServer(b, testConfig(b))
	val := make([]byte, 100)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16) // 16 writers per CPU keep Raft's batches full
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			key := "bench/" + string(rune('a'+i%26)) + "/" + string(rune('a'+i/26%26))
			if _, _, err := s.KVApply(context.Background(), kvReq(state.KVSet, key, state.KVEntry{Value: val})); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
