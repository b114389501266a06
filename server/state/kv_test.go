package state

import (
	"errors"
	"reflect"
	"testing"

	memdb "github.com/hashicorp/go-memdb"
)

func mustKV(t testing.TB, s *Store, idx uint64, op KVOp, e KVEntry) bool {
	t.Helper()
	ok, err := s.KVApply(idx, &KVRequest{Op: op, Entry: e})
	if err != nil {
		t.Fatalf("KVApply(%d, %s %q): %v", idx, op, e.Key, err)
	}
	return ok
}

func mustGet(t testing.TB, s *Store, key string) *KVEntry {
	t.Helper()
	_, e, err := s.KVGet(nil, key)
	if err != nil {
		t.Fatalf("KVGet(%q): %v", key, err)
	}
	return e
}

// mustSession creates a session on node n1 (which must exist) at idx.
func mustSession(t testing.TB, s *Store, idx uint64, sess Session) {
	t.Helper()
	if sess.Node == "" {
		sess.Node = "n1"
	}
	if err := s.SessionApply(idx, &SessionRequest{Op: SessionCreateOp, Session: sess}); err != nil {
		t.Fatalf("create session %q: %v", sess.ID, err)
	}
}

const (
	sid1 = "11111111-1111-4111-8111-111111111111"
	sid2 = "22222222-2222-4222-8222-222222222222"
)

// TestKVApply runs each write verb against a key prepared by setup and
// checks the outcome and the stored entry.
func TestKVApply(t *testing.T) {
	val := []byte("v")
	// setup: "k" set at 2 (flags 1), session sid1 and sid2 on n1 at 3, "held" locked by sid1 at 4.
	setup := func(t *testing.T) *Store {
		s := newStore(t)
		mustRegister(t, s, 1, regWeb("n1", "web-1"))
		mustKV(t, s, 2, KVSet, KVEntry{Key: "k", Value: []byte("old"), Flags: 1})
		mustSession(t, s, 3, Session{ID: sid1})
		mustSession(t, s, 3, Session{ID: sid2})
		mustKV(t, s, 4, KVLock, KVEntry{Key: "held", Value: val, Session: sid1})
		return s
	}
	tests := []struct {
		name string
		op   KVOp
		e    KVEntry
		ok   bool
		key  string   // entry to look at afterwards
		want *KVEntry // nil: key absent
	}{
		{"set new", KVSet, KVEntry{Key: "n", Value: val, Flags: 7}, true, "n",
			&KVEntry{Key: "n", Value: val, Flags: 7, CreateIndex: 10, ModifyIndex: 10}},
		{"set existing keeps create index", KVSet, KVEntry{Key: "k", Value: val}, true, "k",
			&KVEntry{Key: "k", Value: val, CreateIndex: 2, ModifyIndex: 10}},
		{"set keeps lock", KVSet, KVEntry{Key: "held", Value: []byte("x"), Session: sid2}, true, "held",
			&KVEntry{Key: "held", Value: []byte("x"), Session: sid1, LockIndex: 1, CreateIndex: 4, ModifyIndex: 10}},
		{"cas 0 creates", KVCAS, KVEntry{Key: "n", Value: val}, true, "n",
			&KVEntry{Key: "n", Value: val, CreateIndex: 10, ModifyIndex: 10}},
		{"cas 0 on existing", KVCAS, KVEntry{Key: "k", Value: val}, false, "k",
			&KVEntry{Key: "k", Value: []byte("old"), Flags: 1, CreateIndex: 2, ModifyIndex: 2}},
		{"cas match", KVCAS, KVEntry{Key: "k", Value: val, ModifyIndex: 2}, true, "k",
			&KVEntry{Key: "k", Value: val, CreateIndex: 2, ModifyIndex: 10}},
		{"cas stale", KVCAS, KVEntry{Key: "k", Value: val, ModifyIndex: 1}, false, "k",
			&KVEntry{Key: "k", Value: []byte("old"), Flags: 1, CreateIndex: 2, ModifyIndex: 2}},
		{"cas missing", KVCAS, KVEntry{Key: "n", Value: val, ModifyIndex: 2}, false, "n", nil},
		{"lock free key", KVLock, KVEntry{Key: "k", Value: val, Session: sid2}, true, "k",
			&KVEntry{Key: "k", Value: val, Session: sid2, LockIndex: 1, CreateIndex: 2, ModifyIndex: 10}},
		{"lock new key", KVLock, KVEntry{Key: "n", Value: val, Session: sid2}, true, "n",
			&KVEntry{Key: "n", Value: val, Session: sid2, LockIndex: 1, CreateIndex: 10, ModifyIndex: 10}},
		{"lock held by other", KVLock, KVEntry{Key: "held", Value: []byte("x"), Session: sid2}, false, "held",
			&KVEntry{Key: "held", Value: val, Session: sid1, LockIndex: 1, CreateIndex: 4, ModifyIndex: 4}},
		{"relock by holder", KVLock, KVEntry{Key: "held", Value: []byte("x"), Flags: 3, Session: sid1}, true, "held",
			&KVEntry{Key: "held", Value: []byte("x"), Flags: 3, Session: sid1, LockIndex: 1, CreateIndex: 4, ModifyIndex: 10}},
		{"unlock by holder", KVUnlock, KVEntry{Key: "held", Value: []byte("x"), Session: sid1}, true, "held",
			&KVEntry{Key: "held", Value: []byte("x"), LockIndex: 1, CreateIndex: 4, ModifyIndex: 10}},
		{"unlock by other", KVUnlock, KVEntry{Key: "held", Value: []byte("x"), Session: sid2}, false, "held",
			&KVEntry{Key: "held", Value: val, Session: sid1, LockIndex: 1, CreateIndex: 4, ModifyIndex: 4}},
		{"unlock unheld", KVUnlock, KVEntry{Key: "k", Session: sid1}, false, "k",
			&KVEntry{Key: "k", Value: []byte("old"), Flags: 1, CreateIndex: 2, ModifyIndex: 2}},
		{"unlock missing", KVUnlock, KVEntry{Key: "n", Session: sid1}, false, "n", nil},
		{"delete", KVDelete, KVEntry{Key: "k"}, true, "k", nil},
		{"delete missing", KVDelete, KVEntry{Key: "n"}, true, "n", nil},
		{"delete-cas match", KVDeleteCAS, KVEntry{Key: "k", ModifyIndex: 2}, true, "k", nil},
		{"delete-cas stale", KVDeleteCAS, KVEntry{Key: "k", ModifyIndex: 3}, false, "k",
			&KVEntry{Key: "k", Value: []byte("old"), Flags: 1, CreateIndex: 2, ModifyIndex: 2}},
		{"delete-cas zero", KVDeleteCAS, KVEntry{Key: "k"}, false, "k",
			&KVEntry{Key: "k", Value: []byte("old"), Flags: 1, CreateIndex: 2, ModifyIndex: 2}},
		{"delete-tree", KVDeleteTree, KVEntry{Key: "h"}, true, "held", nil},
		{"delete-tree all", KVDeleteTree, KVEntry{}, true, "k", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t)
			if ok := mustKV(t, s, 10, tt.op, tt.e); ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if got := mustGet(t, s, tt.key); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("entry = %+v, want %+v", got, tt.want)
			}
			wantIdx := uint64(4)
			if tt.ok && !(tt.op == KVDelete && tt.key == "n") {
				wantIdx = 10
			}
			if idx, _, _ := s.KVGet(nil, tt.key); idx != wantIdx {
				t.Errorf("index = %d, want %d", idx, wantIdx)
			}
		})
	}
}

func TestKVApplyErrors(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	tests := []struct {
		name string
		req  KVRequest
		want error
	}{
		{"empty key", KVRequest{Op: KVSet}, ErrInvalidKey},
		{"empty key delete", KVRequest{Op: KVDelete}, ErrInvalidKey},
		{"lock without session", KVRequest{Op: KVLock, Entry: KVEntry{Key: "k"}}, ErrSessionNotFound},
		{"lock unknown session", KVRequest{Op: KVLock, Entry: KVEntry{Key: "k", Session: sid1}}, ErrSessionNotFound},
		{"read verb", KVRequest{Op: KVGetOp, Entry: KVEntry{Key: "k"}}, ErrUnknownKVOp},
		{"bogus verb", KVRequest{Op: "frob", Entry: KVEntry{Key: "k"}}, ErrUnknownKVOp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := s.KVApply(5, &tt.req)
			if ok || !errors.Is(err, tt.want) {
				t.Fatalf("KVApply = %v, %v; want false, %v", ok, err, tt.want)
			}
			if got := s.LastIndex(); got != 1 {
				t.Errorf("a failed write moved the index to %d", got)
			}
		})
	}
}

func TestKVValuesAreCopied(t *testing.T) {
	s := newStore(t)
	v := []byte("abc")
	mustKV(t, s, 1, KVSet, KVEntry{Key: "k", Value: v})
	v[0] = 'X'
	if got := mustGet(t, s, "k"); string(got.Value) != "abc" {
		t.Errorf("stored value changed with the caller's slice: %q", got.Value)
	}
}

func TestKVListAndKeys(t *testing.T) {
	s := newStore(t)
	for i, k := range []string{"a/b", "a/c/d", "a/c/e", "a/c", "b", "A/x", "a-z"} {
		mustKV(t, s, uint64(10+i), KVSet, KVEntry{Key: k})
	}
	list := func(prefix string) (uint64, []string) {
		idx, es, err := s.KVList(nil, prefix)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range es {
			keys = append(keys, e.Key)
		}
		return idx, keys
	}
	keys := func(prefix, sep string) (uint64, []string) {
		idx, ks, err := s.KVKeys(nil, prefix, sep)
		if err != nil {
			t.Fatal(err)
		}
		return idx, ks
	}
	tests := []struct {
		name    string
		read    func() (uint64, []string)
		wantIdx uint64
		want    []string
	}{
		{"list a/", func() (uint64, []string) { return list("a/") }, 13, []string{"a/b", "a/c", "a/c/d", "a/c/e"}},
		{"list all", func() (uint64, []string) { return list("") }, 16,
			[]string{"A/x", "a-z", "a/b", "a/c", "a/c/d", "a/c/e", "b"}},
		{"list is case-sensitive", func() (uint64, []string) { return list("A") }, 15, []string{"A/x"}},
		{"list none: table index", func() (uint64, []string) { return list("zz") }, 16, nil},
		{"keys all", func() (uint64, []string) { return keys("", "") }, 16,
			[]string{"A/x", "a-z", "a/b", "a/c", "a/c/d", "a/c/e", "b"}},
		{"keys top level", func() (uint64, []string) { return keys("", "/") }, 16, []string{"A/", "a-z", "a/", "b"}},
		{"keys under a/", func() (uint64, []string) { return keys("a/", "/") }, 13, []string{"a/b", "a/c", "a/c/"}},
		{"keys multi-char separator", func() (uint64, []string) { return keys("a", "/c") }, 16, []string{"a-z", "a/b", "a/c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, got := tt.read()
			if idx != tt.wantIdx || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v @%d, want %v @%d", got, idx, tt.want, tt.wantIdx)
			}
		})
	}
}

// TestKVIndexesNeverGoBack deletes under a prefix: the prefix's index
// moves forward with the tombstone and stays there, also after other keys
// change, until the tombstone is reaped.
func TestKVIndexesNeverGoBack(t *testing.T) {
	s := newStore(t)
	mustKV(t, s, 5, KVSet, KVEntry{Key: "p/a"})
	mustKV(t, s, 6, KVSet, KVEntry{Key: "p/b"})
	mustKV(t, s, 7, KVSet, KVEntry{Key: "q"})
	mustKV(t, s, 8, KVDelete, KVEntry{Key: "p/b"})
	if idx, es, _ := s.KVList(nil, "p/"); idx != 8 || len(es) != 1 {
		t.Fatalf("after delete: %d entries @%d, want 1 @8", len(es), idx)
	}
	mustKV(t, s, 9, KVSet, KVEntry{Key: "q"})
	if idx, _, _ := s.KVList(nil, "p/"); idx != 8 {
		t.Errorf("prefix index = %d after an unrelated write, want 8", idx)
	}
	if idx, _, _ := s.KVGet(nil, "p/b"); idx != 9 {
		t.Errorf("get index = %d, want the tables' 9", idx)
	}
	mustKV(t, s, 10, KVDeleteTree, KVEntry{Key: "p/"})
	if idx, es, _ := s.KVList(nil, "p/"); idx != 10 || len(es) != 0 {
		t.Errorf("after delete-tree: %d entries @%d, want 0 @10", len(es), idx)
	}
	if err := s.ReapTombstones(11, 8); err != nil {
		t.Fatal(err)
	}
	if idx, _, _ := s.KVList(nil, "p/"); idx != 10 {
		t.Errorf("after reaping up to 8: prefix index %d, want 10", idx)
	}
	if err := s.ReapTombstones(12, 10); err != nil {
		t.Fatal(err)
	}
	if idx, _, _ := s.KVList(nil, "p/"); idx != 12 {
		t.Errorf("after reaping all: prefix index %d, want the tables' 12", idx)
	}
	if got := s.TombstoneIndex(); got != 12 {
		t.Errorf("TombstoneIndex = %d, want 12", got)
	}
	// Reaping nothing writes nothing.
	if err := s.ReapTombstones(13, 12); err != nil || s.LastIndex() != 12 {
		t.Errorf("empty reap: %v, last index %d", err, s.LastIndex())
	}
}

func TestKVWatches(t *testing.T) {
	tests := []struct {
		name  string
		read  func(s *Store, ws memdb.WatchSet)
		write func(t *testing.T, s *Store)
		fires bool
	}{
		{"get: own key", kvGetRead("a/1"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVSet, KVEntry{Key: "a/1"}) }, true},
		{"get: other key", kvGetRead("a/1"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVSet, KVEntry{Key: "b"}) }, false},
		{"get: missing key created", kvGetRead("a/3"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVSet, KVEntry{Key: "a/3"}) }, true},
		{"get: own key deleted", kvGetRead("a/1"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVDelete, KVEntry{Key: "a/1"}) }, true},
		{"list: key under prefix", kvListRead("a/"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVSet, KVEntry{Key: "a/9"}) }, true},
		{"list: key elsewhere", kvListRead("a/"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVSet, KVEntry{Key: "b"}) }, false},
		{"list: delete under prefix", kvListRead("a/"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVDelete, KVEntry{Key: "a/2"}) }, true},
		{"list: cas refused", kvListRead("a/"), func(t *testing.T, s *Store) { mustKV(t, s, 10, KVCAS, KVEntry{Key: "a/1"}) }, false},
		{"list: catalog write", kvListRead("a/"), func(t *testing.T, s *Store) { mustRegister(t, s, 10, regWeb("n2", "web-2")) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustKV(t, s, 1, KVSet, KVEntry{Key: "a/1"})
			mustKV(t, s, 2, KVSet, KVEntry{Key: "a/2"})
			mustKV(t, s, 3, KVSet, KVEntry{Key: "b"})
			ws := memdb.NewWatchSet()
			tt.read(s, ws)
			tt.write(t, s)
			if got := fired(ws); got != tt.fires {
				t.Errorf("watch fired = %v, want %v", got, tt.fires)
			}
		})
	}
}

func kvGetRead(key string) func(*Store, memdb.WatchSet) {
	return func(s *Store, ws memdb.WatchSet) { s.KVGet(ws, key) }
}

func kvListRead(prefix string) func(*Store, memdb.WatchSet) {
	return func(s *Store, ws memdb.WatchSet) { s.KVList(ws, prefix) }
}
