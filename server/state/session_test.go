package state

import (
	"errors"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// sessionFixture has node n1 with web-1 and its service check
// "check-web-1", a node check "serfHealth", node n2, and at 5 a session
// sid1 on n1 bound to both checks holding "lock/a" and "lock/b" (at 6),
// with "free" unlocked.
func sessionFixture(t *testing.T, behavior SessionBehavior, delay time.Duration) *Store {
	t.Helper()
	s := newStore(t)
	r := regWeb("n1", "web-1")
	r.Checks = append(r.Checks, &HealthCheck{CheckID: "serfHealth", Status: HealthPassing})
	mustRegister(t, s, 1, r)
	mustRegister(t, s, 2, regService("n2", "db"))
	mustSession(t, s, 5, Session{ID: sid1, Name: "s", NodeChecks: []string{"serfHealth"},
		ServiceChecks: []ServiceCheck{{ID: "check-web-1"}}, Behavior: behavior, LockDelay: delay})
	mustKV(t, s, 6, KVLock, KVEntry{Key: "lock/a", Value: []byte("a"), Session: sid1})
	mustKV(t, s, 6, KVLock, KVEntry{Key: "lock/b", Value: []byte("b"), Session: sid1})
	mustKV(t, s, 6, KVSet, KVEntry{Key: "free"})
	return s
}

func TestSessionCreate(t *testing.T) {
	s := sessionFixture(t, "", 0)
	_, sess, err := s.SessionGet(nil, sid1)
	if err != nil || sess == nil {
		t.Fatalf("SessionGet = %v, %v", sess, err)
	}
	if sess.Behavior != SessionRelease || sess.CreateIndex != 5 || sess.ModifyIndex != 5 || sess.Node != "n1" {
		t.Errorf("stored session = %+v", sess)
	}
	mustSession(t, s, 7, Session{ID: sid2, Node: "N2"})
	if idx, all, _ := s.SessionList(nil); idx != 7 || len(all) != 2 {
		t.Errorf("SessionList = %d @%d", len(all), idx)
	}
	if idx, on, _ := s.NodeSessions(nil, "n2"); idx != 7 || len(on) != 1 || on[0].ID != sid2 || on[0].Node != "n2" {
		t.Errorf("NodeSessions(n2) = %+v @%d", on, idx)
	}

	mustRegister(t, s, 8, &Registration{Node: Node{Node: "n2"}, SkipNodeUpdate: true,
		Checks: []*HealthCheck{{CheckID: "bad", Status: HealthCritical}, {CheckID: "warn", Status: HealthWarning}}})
	tests := []struct {
		name string
		sess Session
	}{
		{"no ID", Session{Node: "n1"}},
		{"ID taken", Session{ID: sid1, Node: "n1"}},
		{"no node", Session{ID: "x"}},
		{"unknown node", Session{ID: "x", Node: "nope"}},
		{"missing node check", Session{ID: "x", Node: "n2", NodeChecks: []string{"serfHealth"}}},
		{"missing service check", Session{ID: "x", Node: "n2", ServiceChecks: []ServiceCheck{{ID: "check-web-1"}}}},
		{"critical check", Session{ID: "x", Node: "n2", NodeChecks: []string{"bad"}}},
		{"bad behavior", Session{ID: "x", Node: "n2", Behavior: "explode"}},
		{"negative lock delay", Session{ID: "x", Node: "n2", LockDelay: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CheckSession(&tt.sess); !errors.Is(err, ErrInvalidSession) {
				t.Errorf("CheckSession = %v, want ErrInvalidSession", err)
			}
			err := s.SessionApply(9, &SessionRequest{Op: SessionCreateOp, Session: tt.sess})
			if !errors.Is(err, ErrInvalidSession) {
				t.Errorf("SessionApply = %v, want ErrInvalidSession", err)
			}
			if s.LastIndex() != 8 {
				t.Errorf("a refused session moved the index to %d", s.LastIndex())
			}
		})
	}
	// A warning check does not stop a session.
	mustSession(t, s, 9, Session{ID: "w", Node: "n2", NodeChecks: []string{"warn"}})
	if err := s.SessionApply(10, &SessionRequest{Op: "renew"}); !errors.Is(err, ErrInvalidSession) {
		t.Errorf("unknown op = %v", err)
	}
}

// TestSessionEnds ends sid1 in every way a session ends, and checks that
// it is gone, that its keys were released (or deleted) in the same write,
// and that sessions the cause does not concern survive.
func TestSessionEnds(t *testing.T) {
	critical := func(node, check, svc string) func(t *testing.T, s *Store) {
		return func(t *testing.T, s *Store) {
			mustRegister(t, s, 10, &Registration{Node: Node{Node: node}, SkipNodeUpdate: true,
				Checks: []*HealthCheck{{CheckID: check, ServiceID: svc, Status: HealthCritical}}})
		}
	}
	tests := []struct {
		name  string
		cause func(t *testing.T, s *Store)
		ends  bool
	}{
		{"destroyed", func(t *testing.T, s *Store) {
			if err := s.SessionApply(10, &SessionRequest{Op: SessionDestroyOp, Session: Session{ID: sid1}}); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"node check critical", critical("n1", "serfHealth", ""), true},
		{"service check critical", critical("n1", "check-web-1", "web-1"), true},
		{"service check warning", func(t *testing.T, s *Store) {
			mustRegister(t, s, 10, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
				Checks: []*HealthCheck{{CheckID: "check-web-1", ServiceID: "web-1", Status: HealthWarning}}})
		}, false},
		{"unbound check critical", critical("n1", "other", ""), false},
		{"same check ID on another node", critical("n2", "serfHealth", ""), false},
		{"node check deleted", func(t *testing.T, s *Store) { s.DeleteCheck(10, "n1", "serfHealth") }, true},
		{"service deleted", func(t *testing.T, s *Store) { s.DeleteService(10, "n1", "web-1") }, true},
		{"node deregistered", func(t *testing.T, s *Store) { s.DeleteNode(10, "N1") }, true},
		{"other node deregistered", func(t *testing.T, s *Store) { s.DeleteNode(10, "n2") }, false},
		{"txn check set critical", func(t *testing.T, s *Store) {
			_, errs, err := s.TxnApply(10, []TxnOp{{Check: &TxnCheckOp{Verb: TxnVerbSet,
				Check: HealthCheck{Node: "n1", CheckID: "serfHealth", Status: HealthCritical}}}})
			if err != nil || errs != nil {
				t.Fatal(err, errs)
			}
		}, true},
		{"txn session delete", func(t *testing.T, s *Store) {
			_, errs, err := s.TxnApply(10, []TxnOp{{Session: &TxnSessionOp{Verb: TxnVerbDelete, Session: Session{ID: sid1}}}})
			if err != nil || errs != nil {
				t.Fatal(err, errs)
			}
		}, true},
	}
	for _, behavior := range []SessionBehavior{SessionRelease, SessionDelete} {
		for _, tt := range tests {
			t.Run(string(behavior)+"/"+tt.name, func(t *testing.T) {
				s := sessionFixture(t, behavior, time.Hour)
				ws := memdb.NewWatchSet()
				s.SessionGet(ws, sid1)
				tt.cause(t, s)
				_, sess, _ := s.SessionGet(nil, sid1)
				if ended := sess == nil; ended != tt.ends {
					t.Fatalf("session ended = %v, want %v", ended, tt.ends)
				}
				if fired(ws) != tt.ends {
					t.Errorf("session watch fired = %v", fired(ws))
				}
				for _, key := range []string{"lock/a", "lock/b"} {
					checkHeldKey(t, s, key, behavior, tt.ends)
				}
				if e := mustGet(t, s, "free"); e == nil || e.ModifyIndex != 6 {
					t.Errorf("unheld key changed: %+v", e)
				}
			})
		}
	}
}

// checkHeldKey checks a key sid1 held at 6, after the session ended at 10
// (ended) or not.
func checkHeldKey(t *testing.T, s *Store, key string, behavior SessionBehavior, ended bool) {
	t.Helper()
	e := mustGet(t, s, key)
	delayed := !s.KVLockDelay(key).IsZero()
	switch {
	case !ended:
		if e == nil || e.Session != sid1 || e.ModifyIndex != 6 || delayed {
			t.Errorf("%s: %+v, lock delay %v; want still held", key, e, delayed)
		}
	case behavior == SessionDelete:
		if e != nil || !delayed {
			t.Errorf("%s: %+v, lock delay %v; want deleted with a lock delay", key, e, delayed)
		}
		if idx, _, _ := s.KVList(nil, key); idx != 10 {
			t.Errorf("%s: list index %d, want the tombstone's 10", key, idx)
		}
	default:
		if e == nil || e.Session != "" || e.LockIndex != 1 || e.ModifyIndex != 10 || e.CreateIndex != 6 || !delayed {
			t.Errorf("%s: %+v, lock delay %v; want released at 10 with a lock delay", key, e, delayed)
		}
	}
}

func TestLockDelay(t *testing.T) {
	s := sessionFixture(t, SessionRelease, 0)
	mustSession(t, s, 7, Session{ID: sid2, Node: "n2", LockDelay: time.Hour})
	mustKV(t, s, 8, KVLock, KVEntry{Key: "lock/c", Session: sid2})
	for _, id := range []string{sid1, sid2} {
		if err := s.SessionApply(9, &SessionRequest{Op: SessionDestroyOp, Session: Session{ID: id}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.KVLockDelay("lock/a"); !got.IsZero() {
		t.Errorf("zero lock delay recorded %v", got)
	}
	got := s.KVLockDelay("lock/c")
	if until := time.Until(got); until < 59*time.Minute || until > time.Hour {
		t.Errorf("lock delay of lock/c ends in %v, want about an hour", until)
	}
	// Delays expire: an entry in the past reads as none and is dropped.
	s.delays.record([]keyDelay{{key: "old", delay: time.Millisecond}}, time.Now().Add(-time.Second))
	if got := s.KVLockDelay("old"); !got.IsZero() {
		t.Errorf("expired delay = %v", got)
	}
	// A transaction that ends a session and then rolls back records none.
	mustSession(t, s, 10, Session{ID: "s3", Node: "n2", LockDelay: time.Hour})
	mustKV(t, s, 11, KVLock, KVEntry{Key: "lock/d", Session: "s3"})
	_, errs, err := s.TxnApply(12, []TxnOp{
		{Session: &TxnSessionOp{Verb: TxnVerbDelete, Session: Session{ID: "s3"}}},
		{KV: &TxnKVOp{Verb: KVGetOp, Entry: KVEntry{Key: "missing"}}},
	})
	if err != nil || len(errs) != 1 {
		t.Fatalf("TxnApply = %v, %v", errs, err)
	}
	if got := s.KVLockDelay("lock/d"); !got.IsZero() {
		t.Errorf("rolled-back transaction recorded a lock delay")
	}
	if e := mustGet(t, s, "lock/d"); e.Session != "s3" {
		t.Errorf("rolled-back transaction released the lock: %+v", e)
	}
}
