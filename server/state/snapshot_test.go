package state

import (
	"bytes"
	"reflect"
	"testing"
)

// dump reads everything a client can see, for comparing stores.
func dump(t testing.TB, s *Store) map[string]any {
	t.Helper()
	out := map[string]any{}
	idx, nodes, _ := s.Nodes(nil)
	out["nodes"], out["nodes.idx"] = nodes, idx
	idx, svcs, _ := s.Services(nil, nil)
	out["services"], out["services.idx"] = svcs, idx
	for name := range svcs {
		for _, connect := range []bool{false, true} {
			idx, csns, _ := s.CheckServiceNodes(nil, name, connect)
			out["csn."+name+map[bool]string{true: ".connect"}[connect]] = []any{idx, csns}
		}
	}
	idx, checks, _ := s.ChecksInState(nil, HealthAny)
	out["checks"], out["checks.idx"] = checks, idx
	return out
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := fixture(t)
	mustRegister(t, src, 7, &Registration{Node: Node{Node: "n4", TaggedAddresses: map[string]string{"wan": "1.2.3.4"}},
		Service: &Service{ID: "p", Name: "p", Kind: KindConnectProxy, Proxy: Proxy{DestinationServiceName: "db",
			Config:    map[string]any{"protocol": "http", "nested": map[string]any{"n": 1.5}},
			Upstreams: []Upstream{{DestinationName: "web", LocalBindPort: 9191}}}},
		Checks: []*HealthCheck{{CheckID: "c", ServiceID: "p", Definition: CheckDefinition{
			Header: map[string][]string{"X": {"1", "2"}}}}}})
	want := dump(t, src)
	snap := src.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	snap.Release()
	if snap.Index() != 7 {
		t.Errorf("snapshot index = %d, want 7", snap.Index())
	}
	// Writes after the snapshot must not appear in it.
	mustRegister(t, src, 8, regService("late", "late"))

	dst := newStore(t)
	mustRegister(t, dst, 1, regService("gone", "gone"))
	if err := dst.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := dump(t, dst); !reflect.DeepEqual(got, want) {
		t.Errorf("restored state differs:\n got %v\nwant %v", got, want)
	}
	if _, csns, _ := dst.CheckServiceNodes(nil, "gone", false); len(csns) != 0 {
		t.Error("restore kept old data")
	}
	// Restored stores keep working: an identical registration is a no-op.
	mustRegister(t, dst, 20, regWeb("n1", "web-1", "v1", "common"))
	if got := dst.LastIndex(); got != 7 {
		t.Errorf("LastIndex after no-op = %d, want 7", got)
	}
}

func TestCorruptRestoreLeavesStateIntact(t *testing.T) {
	src := fixture(t)
	var buf bytes.Buffer
	if err := src.Snapshot().Persist(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	var bad [][]byte
	for n := 0; n < len(good); n += 1 + len(good)/97 {
		bad = append(bad, good[:n]) // truncated
		flipped := bytes.Clone(good)
		flipped[n] ^= 0x5a
		bad = append(bad, flipped)
	}
	bad = append(bad, append(bytes.Clone(good[:len(good)-4]), 0, 0, 0, 0))

	dst := fixture(t)
	before := dump(t, dst)
	ws := newWatchSet(t, dst)
	for i, b := range bad {
		if err := dst.Restore(bytes.NewReader(b)); err == nil {
			t.Fatalf("case %d: Restore accepted a corrupt stream", i)
		}
	}
	if !reflect.DeepEqual(dump(t, dst), before) {
		t.Error("failed restore changed the state")
	}
	if fired(ws) {
		t.Error("failed restore woke watchers")
	}
}

func FuzzRestore(f *testing.F) {
	s := newStore(f)
	mustRegister(f, s, 1, regWeb("n1", "web-1", "a"))
	var buf bytes.Buffer
	if err := s.Snapshot().Persist(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PYLS\x01\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStore(t)
		mustRegister(t, s, 1, regService("keep", "keep"))
		if err := s.Restore(bytes.NewReader(data)); err != nil {
			if _, csns, _ := s.CheckServiceNodes(nil, "keep", false); len(csns) != 1 {
				t.Fatal("failed restore lost the state")
			}
			return
		}
		checkInvariants(t, s)
	})
}

// checkInvariants verifies that every service and check hangs off a node
// and every service check off a service.
func checkInvariants(t *testing.T, s *Store) {
	t.Helper()
	tx := s.db.Load().Txn(false)
	it, _ := tx.Get(tableServices, indexID)
	for raw := it.Next(); raw != nil; raw = it.Next() {
		sv := raw.(*Service)
		if n, _ := getNodeTxn(tx, sv.Node); n == nil {
			t.Fatalf("service %q on missing node %q", sv.ID, sv.Node)
		}
	}
	it, _ = tx.Get(tableChecks, indexID)
	for raw := it.Next(); raw != nil; raw = it.Next() {
		c := raw.(*HealthCheck)
		if n, _ := getNodeTxn(tx, c.Node); n == nil {
			t.Fatalf("check %q on missing node %q", c.CheckID, c.Node)
		}
		if c.ServiceID != "" {
			if sv, _ := getServiceTxn(tx, c.Node, c.ServiceID); sv == nil {
				t.Fatalf("check %q of missing service %q", c.CheckID, c.ServiceID)
			}
		}
	}
}
