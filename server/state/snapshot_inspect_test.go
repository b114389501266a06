package state

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// inspectFixture is a store with a record of every snapshot type.
func inspectFixture(t *testing.T) *Store {
	t.Helper()
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	mustRegister(t, s, 2, regService("n2", "db"))
	for i, key := range []string{"app/a", "app/b", "other"} {
		if _, err := s.KVApply(uint64(3+i), &KVRequest{Op: KVSet, Entry: KVEntry{Key: key, Value: []byte("v")}}); err != nil {
			t.Fatalf("KVApply(%s): %v", key, err)
		}
	}
	if _, err := s.KVApply(6, &KVRequest{Op: KVDelete, Entry: KVEntry{Key: "other"}}); err != nil {
		t.Fatalf("KVApply(delete): %v", err)
	}
	sess := Session{ID: "11111111-2222-3333-4444-555555555555", Node: "n1", Behavior: SessionRelease}
	if err := s.SessionApply(7, &SessionRequest{Op: SessionCreateOp, Session: sess}); err != nil {
		t.Fatalf("SessionApply: %v", err)
	}
	mustSetQuery(t, s, 8, namedQuery(qid1, "web"))
	return s
}

func persisted(t *testing.T, s *Store) []byte {
	t.Helper()
	snap := s.Snapshot()
	defer snap.Release()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	return buf.Bytes()
}

func TestScanSnapshot(t *testing.T) {
	stream := persisted(t, inspectFixture(t))
	counts := map[string]int{}
	var keys []string
	total := 0
	err := ScanSnapshot(bytes.NewReader(stream), func(r SnapshotRecord) error {
		counts[r.Type]++
		total += r.Size
		if r.Size <= 0 {
			t.Errorf("record %+v has no size", r)
		}
		if r.Key != "" {
			keys = append(keys, r.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ScanSnapshot: %v", err)
	}
	want := map[string]int{"Node": 2, "Service": 2, "Check": 1, "KVS": 2, "Tombstone": 1, "Session": 1, "PreparedQuery": 1}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%s records = %d, want %d (all: %v)", typ, counts[typ], n, counts)
		}
	}
	if counts["Index"] == 0 {
		t.Errorf("no Index records: %v", counts)
	}
	if !slices.Equal(keys, []string{"app/a", "app/b"}) {
		t.Errorf("KVS keys = %v, want [app/a app/b]", keys)
	}
	if total >= len(stream) {
		t.Errorf("records total %d bytes, the stream only %d", total, len(stream))
	}
}

func TestScanSnapshotRefusesBadStreams(t *testing.T) {
	stream := persisted(t, inspectFixture(t))
	flip := func(at int) []byte {
		b := bytes.Clone(stream)
		b[at] ^= 0x40
		return b
	}
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"bad magic", flip(0)},
		{"bad version", flip(4)},
		{"flipped byte in a record", flip(len(stream) / 2)},
		{"flipped checksum", flip(len(stream) - 1)},
		{"truncated", stream[:len(stream)-3]},
		{"unknown frame kind", append([]byte(snapshotMagic+"\x01"), 0x7f, 0x01, 0x00)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ScanSnapshot(bytes.NewReader(tc.in), func(SnapshotRecord) error { return nil })
			if !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("ScanSnapshot = %v, want ErrCorruptSnapshot", err)
			}
		})
	}
}

func TestScanSnapshotStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := ScanSnapshot(bytes.NewReader(persisted(t, inspectFixture(t))), func(SnapshotRecord) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("ScanSnapshot = %v after %d records, want stop after 1", err, n)
	}
}
