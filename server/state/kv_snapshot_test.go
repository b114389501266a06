package state

import (
	"bufio"
	"bytes"
	"hash/crc32"
	"reflect"
	"testing"
	"time"
)

// dumpKV copies the KV, tombstone, session and session-check tables and
// the index table out of the store.
func dumpKV(t testing.TB, s *Store) map[string][]any {
	t.Helper()
	tx := s.db.Load().Txn(false)
	out := map[string][]any{}
	for _, table := range []string{tableKVs, tableTombstones, tableSessions, tableSessionChecks, tableIndex} {
		it, err := tx.Get(table, indexID)
		if err != nil {
			t.Fatal(err)
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			out[table] = append(out[table], raw)
		}
	}
	return out
}

// kvFixture is sessionFixture with a second session and a deleted key.
func kvFixture(t *testing.T) *Store {
	s := sessionFixture(t, SessionDelete, 5*time.Second)
	mustSession(t, s, 7, Session{ID: sid2, Node: "n2", TTL: "30s", Name: "ttl"})
	mustKV(t, s, 8, KVLock, KVEntry{Key: "lock/c", Flags: 9, Value: []byte{0, 1, 2}, Session: sid2})
	mustKV(t, s, 9, KVSet, KVEntry{Key: "gone"})
	mustKV(t, s, 10, KVDelete, KVEntry{Key: "gone"})
	mustKV(t, s, 11, KVSet, KVEntry{Key: "empty", Value: []byte{}})
	return s
}

func TestSnapshotRestoreKVAndSessions(t *testing.T) {
	src := kvFixture(t)
	want := dumpKV(t, src)
	var buf bytes.Buffer
	snap := src.Snapshot()
	if err := snap.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	if snap.Index() != 11 {
		t.Errorf("snapshot index = %d, want 11", snap.Index())
	}
	dst := newStore(t)
	if err := dst.Restore(&buf); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	got := dumpKV(t, dst)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("restored tables differ:\n got %v\nwant %v", got, want)
	}
	// The restored bindings work: the service check going critical ends sid1.
	mustRegister(t, dst, 12, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
		Checks: []*HealthCheck{{CheckID: "check-web-1", ServiceID: "web-1", Status: HealthCritical}}})
	if _, sess, _ := dst.SessionGet(nil, sid1); sess != nil {
		t.Error("restored session not invalidated by its check")
	}
	if e := mustGet(t, dst, "lock/a"); e != nil {
		t.Errorf("delete-behavior session left its key: %+v", e)
	}
	if idx, _, _ := dst.KVList(nil, "gone"); idx != 10 {
		t.Errorf("restored tombstone index = %d, want 10", idx)
	}
}

func TestRestoreRefusesInconsistentKV(t *testing.T) {
	node := &Node{Node: "n1"}
	check := &HealthCheck{Node: "n1", CheckID: "c", Status: HealthPassing}
	crit := &HealthCheck{Node: "n1", CheckID: "c", Status: HealthCritical}
	sess := &Session{ID: sid1, Node: "n1", NodeChecks: []string{"c"}, Behavior: SessionRelease}
	type frame struct {
		kind byte
		rec  any
	}
	tests := []struct {
		name   string
		frames []frame
		ok     bool
	}{
		{"consistent", []frame{{frameNode, node}, {frameCheck, check}, {frameSession, sess},
			{frameKV, &KVEntry{Key: "k", Session: sid1}}, {frameTombstone, &tombstone{Key: "t", Index: 3}}}, true},
		{"session on unknown node", []frame{{frameSession, &Session{ID: sid1, Node: "n1"}}}, false},
		{"session of unknown check", []frame{{frameNode, node}, {frameSession, sess}}, false},
		{"session of critical check", []frame{{frameNode, node}, {frameCheck, crit}, {frameSession, sess}}, false},
		{"session twice", []frame{{frameNode, node}, {frameCheck, check}, {frameSession, sess}, {frameSession, sess}}, false},
		{"key of unknown session", []frame{{frameKV, &KVEntry{Key: "k", Session: sid1}}}, false},
		{"key without name", []frame{{frameKV, &KVEntry{}}}, false},
		{"tombstone without key", []frame{{frameTombstone, &tombstone{Index: 3}}}, false},
		{"garbage session", []frame{{frameSession, "not a session"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			fw := &frameWriter{w: bufio.NewWriter(&buf), crc: crc32.New(crcTable)}
			fw.raw([]byte(snapshotMagic + string(rune(snapshotVersion))))
			for _, f := range tt.frames {
				fw.frame(f.kind, f.rec)
			}
			if err := fw.finish(); err != nil {
				t.Fatal(err)
			}
			dst := newStore(t)
			mustKV(t, dst, 1, KVSet, KVEntry{Key: "keep"})
			err := dst.Restore(&buf)
			if (err == nil) != tt.ok {
				t.Fatalf("Restore = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok {
				return
			}
			wantErr(t, err, ErrCorruptSnapshot)
			if mustGet(t, dst, "keep") == nil {
				t.Error("a failed restore lost the state")
			}
		})
	}
}

// FuzzRestoreKV restores arbitrary streams seeded with KV and sessions:
// a stream is refused with the state intact, or restored consistent (every
// held key's session exists, every session's node and checks exist).
func FuzzRestoreKV(f *testing.F) {
	s := newStore(f)
	mustRegister(f, s, 1, &Registration{Node: Node{Node: "n1"},
		Checks: []*HealthCheck{{CheckID: "c", Status: HealthPassing}}})
	mustSession(f, s, 2, Session{ID: sid1, NodeChecks: []string{"c"}})
	mustKV(f, s, 3, KVLock, KVEntry{Key: "k", Value: []byte("v"), Session: sid1})
	mustKV(f, s, 4, KVSet, KVEntry{Key: "d"})
	mustKV(f, s, 5, KVDelete, KVEntry{Key: "d"})
	var buf bytes.Buffer
	if err := s.Snapshot().Persist(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PYLS\x01\x07\x01\x80\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStore(t)
		mustKV(t, s, 1, KVSet, KVEntry{Key: "keep"})
		if err := s.Restore(bytes.NewReader(data)); err != nil {
			if mustGet(t, s, "keep") == nil {
				t.Fatal("failed restore lost the state")
			}
			return
		}
		checkKVInvariants(t, s)
	})
}

func checkKVInvariants(t *testing.T, s *Store) {
	t.Helper()
	tx := s.db.Load().Txn(false)
	it, _ := tx.Get(tableKVs, indexID)
	for raw := it.Next(); raw != nil; raw = it.Next() {
		e := raw.(*KVEntry)
		if e.Key == "" {
			t.Fatal("entry without key")
		}
		if e.Session != "" {
			if sess, _ := getSessionTxn(tx, e.Session); sess == nil {
				t.Fatalf("key %q held by missing session %q", e.Key, e.Session)
			}
		}
	}
	it, _ = tx.Get(tableSessions, indexID)
	for raw := it.Next(); raw != nil; raw = it.Next() {
		sess := raw.(*Session)
		if n, _ := getNodeTxn(tx, sess.Node); n == nil {
			t.Fatalf("session %q on missing node %q", sess.ID, sess.Node)
		}
		for _, id := range sessionCheckIDs(sess) {
			if c, _ := getCheckTxn(tx, sess.Node, id); c == nil {
				t.Fatalf("session %q bound to missing check %q", sess.ID, id)
			}
		}
	}
}
