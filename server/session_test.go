package server

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

func TestSessionCreateDefaultsAndValidation(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	if _, err := s.Register(ctx, reg("n1", "web-1")); err != nil {
		t.Fatal(err)
	}
	serf := reg("n2", "db-1")
	serf.Checks = append(serf.Checks, &state.HealthCheck{CheckID: "serfHealth", Status: state.HealthPassing})
	serf.Checks = append(serf.Checks, &state.HealthCheck{CheckID: "down", Status: state.HealthCritical})
	if _, err := s.Register(ctx, serf); err != nil {
		t.Fatal(err)
	}

	sess := &state.Session{ID: "ignored", Node: "n1", Name: "x"}
	idx, err := s.SessionCreate(ctx, sess)
	if err != nil || !uuidRE.MatchString(sess.ID) {
		t.Fatalf("SessionCreate = %d, %v, ID %q", idx, err, sess.ID)
	}
	_, got, _ := s.Store().SessionGet(nil, sess.ID)
	want := &state.Session{ID: sess.ID, Name: "x", Node: "n1", LockDelay: 15 * time.Second,
		Behavior: state.SessionRelease, CreateIndex: idx, ModifyIndex: idx}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %+v\nwant %+v", got, want)
	}
	// On a node with a serfHealth check, a session binds to it by
	// default; an explicit empty list binds to nothing.
	for _, tt := range []struct {
		checks []string
		want   []string
	}{{nil, []string{"serfHealth"}}, {[]string{}, nil}, {[]string{"check-db-1"}, []string{"check-db-1"}}} {
		sess := &state.Session{Node: "n2", NodeChecks: tt.checks}
		if _, err := s.SessionCreate(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if _, got, _ := s.Store().SessionGet(nil, sess.ID); !reflect.DeepEqual(got.NodeChecks, tt.want) &&
			(len(got.NodeChecks) != 0 || len(tt.want) != 0) {
			t.Errorf("NodeChecks %v stored as %v, want %v", tt.checks, got.NodeChecks, tt.want)
		}
	}

	tests := []struct {
		name string
		sess *state.Session
	}{
		{"nil", nil},
		{"TTL not a duration", &state.Session{Node: "n1", TTL: "soon"}},
		{"TTL below the minimum", &state.Session{Node: "n1", TTL: "5s"}},
		{"TTL above 24h", &state.Session{Node: "n1", TTL: "25h"}},
		{"lock delay above 60s", &state.Session{Node: "n1", LockDelay: 61 * time.Second}},
		{"no node", &state.Session{}},
		{"unknown node", &state.Session{Node: "nope"}},
		{"missing check", &state.Session{Node: "n1", NodeChecks: []string{"serfHealth"}}},
		{"critical check", &state.Session{Node: "n2", NodeChecks: []string{"down"}}},
		{"bad behavior", &state.Session{Node: "n1", Behavior: "explode"}},
	}
	for _, tt := range tests {
		before := s.raft.LastIndex()
		if _, err := s.SessionCreate(ctx, tt.sess); !errors.Is(err, state.ErrInvalidSession) {
			t.Errorf("%s: SessionCreate = %v, want ErrInvalidSession", tt.name, err)
		}
		if s.raft.LastIndex() != before {
			t.Errorf("%s: a refused session reached the log", tt.name)
		}
	}
	for _, ttl := range []string{"", "0s", "10s", "24h"} {
		if _, err := s.SessionCreate(ctx, &state.Session{Node: "n1", TTL: ttl}); err != nil {
			t.Errorf("TTL %q refused: %v", ttl, err)
		}
	}
}

func TestSessionRenewAndDestroy(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	id := mustCreateSession(t, s, state.Session{TTL: "1h"})
	plain := mustCreateSession(t, s, state.Session{})
	if !s.timers.has(id) || s.timers.has(plain) {
		t.Fatalf("timers: TTL session %v, plain session %v", s.timers.has(id), s.timers.has(plain))
	}
	got, err := s.SessionRenew(ctx, id)
	if err != nil || got == nil || got.ID != id {
		t.Fatalf("SessionRenew = %+v, %v", got, err)
	}
	if got, err := s.SessionRenew(ctx, "00000000-0000-4000-8000-000000000000"); got != nil || err != nil {
		t.Errorf("renew unknown = %+v, %v; want nil, nil", got, err)
	}
	mustKVApply(t, s, kvReq(state.KVLock, "k", state.KVEntry{Session: id}))
	if _, err := s.SessionDestroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if s.timers.has(id) {
		t.Error("destroyed session kept its timer")
	}
	if got, err := s.SessionRenew(ctx, id); got != nil || err != nil {
		t.Errorf("renew destroyed = %+v, %v", got, err)
	}
	if _, e, _ := s.Store().KVGet(nil, "k"); e.Session != "" {
		t.Errorf("destroy did not release the lock: %+v", e)
	}
	if _, err := s.SessionDestroy(ctx, id); err != nil {
		t.Errorf("destroying an unknown session: %v", err)
	}
}

// TestSessionTTLExpiry lets TTL sessions run out: the leader destroys them
// through Raft (after twice the TTL) and their keys go with them.
func TestSessionTTLExpiry(t *testing.T) {
	cfg := testConfig(t)
	cfg.SessionTTLMin = 10 * time.Millisecond
	s := startServer(t, cfg)
	short := mustCreateSession(t, s, state.Session{TTL: "20ms"})
	keep := mustCreateSession(t, s, state.Session{TTL: "1h"})
	waitFor(t, func() bool {
		_, sess, _ := s.Store().SessionGet(nil, short)
		return sess == nil
	})
	// A session holding a key, whose TTL runs out now.
	id := mustCreateSession(t, s, state.Session{TTL: "1h", Behavior: state.SessionDelete})
	mustKVApply(t, s, kvReq(state.KVLock, "eph", state.KVEntry{Session: id}))
	s.timers.reset(id, time.Millisecond)
	waitFor(t, func() bool {
		_, sess, _ := s.Store().SessionGet(nil, id)
		return sess == nil
	})
	if _, e, _ := s.Store().KVGet(nil, "eph"); e != nil {
		t.Errorf("expired delete-behavior session left its key: %+v", e)
	}
	if _, sess, _ := s.Store().SessionGet(nil, keep); sess == nil {
		t.Error("the long TTL session expired too")
	}
	if s.timers.has(id) || !s.timers.has(keep) {
		t.Errorf("timers after expiry: expired %v, kept %v", s.timers.has(id), s.timers.has(keep))
	}
}

// TestSessionTimersSurviveRestart restarts a server from its data dir
// (part of the state in a Raft snapshot, the rest in the log): sessions
// and locks come back, and the new leader starts a timer for every TTL
// session in the store.
func TestSessionTimersSurviveRestart(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	s := startServer(t, cfg)
	ids := []string{mustCreateSession(t, s, state.Session{TTL: "1h"})}
	mustKVApply(t, s, kvReq(state.KVLock, "held", state.KVEntry{Value: []byte("v"), Session: ids[0]}))
	mustKVApply(t, s, kvReq(state.KVSet, "gone", state.KVEntry{}))
	mustKVApply(t, s, kvReq(state.KVDelete, "gone", state.KVEntry{}))
	if err := s.raft.Snapshot().Error(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	ids = append(ids, mustCreateSession(t, s, state.Session{TTL: "2h"}))
	plain := mustCreateSession(t, s, state.Session{})
	_, wantKV, _ := s.Store().KVList(nil, "")
	wantIdx, _, _ := s.Store().KVList(nil, "gone")
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if s.timers.count() != 0 {
		t.Errorf("%d timers left after shutdown", s.timers.count())
	}
	s2 := startServer(t, cfg)
	waitFor(t, func() bool { return s2.timers.count() == 2 })
	for _, id := range ids {
		if !s2.timers.has(id) {
			t.Errorf("no timer for %s after restart", id)
		}
	}
	if s2.timers.has(plain) {
		t.Error("timer for a session without TTL")
	}
	if _, got, _ := s2.Store().KVList(nil, ""); !reflect.DeepEqual(got, wantKV) {
		t.Errorf("KV after restart = %+v, want %+v", got, wantKV)
	}
	if idx, _, _ := s2.Store().KVList(nil, "gone"); idx != wantIdx {
		t.Errorf("tombstone index after restart = %d, want %d", idx, wantIdx)
	}
}

// TestSessionInvalidatedByCatalog ends sessions through catalog writes on
// the server: a bound check going critical, and the node leaving.
func TestSessionInvalidatedByCatalog(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	byCheck := mustCreateSession(t, s, state.Session{ServiceChecks: []state.ServiceCheck{{ID: "check-web-1"}}})
	mustKVApply(t, s, kvReq(state.KVLock, "a", state.KVEntry{Session: byCheck}))
	down := reg("n1", "web-1")
	down.Checks[0].Status = state.HealthCritical
	if _, err := s.Register(ctx, down); err != nil {
		t.Fatal(err)
	}
	if _, sess, _ := s.Store().SessionGet(nil, byCheck); sess != nil {
		t.Error("session survived its check going critical")
	}
	if _, e, _ := s.Store().KVGet(nil, "a"); e == nil || e.Session != "" {
		t.Errorf("key after invalidation = %+v, want released", e)
	}
	byNode := mustCreateSession(t, s, state.Session{TTL: "1h"})
	if _, err := s.Deregister(ctx, &state.Deregistration{Node: "n1"}); err != nil {
		t.Fatal(err)
	}
	if _, sess, _ := s.Store().SessionGet(nil, byNode); sess != nil {
		t.Error("session survived its node")
	}
}

// TestSessionTimers drives the timer set directly.
func TestSessionTimers(t *testing.T) {
	expired := make(chan string, 4)
	st := newSessionTimers(func(id string) { expired <- id })
	st.reset("inactive", time.Millisecond)
	if st.count() != 0 {
		t.Fatal("an inactive timer set started a timer")
	}
	st.activate()
	st.reset("a", time.Hour)
	st.reset("a", time.Millisecond) // replaces the hour
	if got := <-expired; got != "a" || st.has("a") {
		t.Fatalf("expired %q, still has a timer: %v", got, st.has("a"))
	}
	st.reset("b", time.Hour)
	st.stop("b")
	st.reset("c", time.Hour)
	st.deactivate()
	if st.count() != 0 {
		t.Fatalf("%d timers after deactivate", st.count())
	}
	st.reset("d", time.Millisecond)
	select {
	case id := <-expired:
		t.Fatalf("%q expired after deactivate", id)
	default:
	}
}
