package state

import (
	"bufio"
	"bytes"
	"hash/crc32"
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
	idx, queries, _ := s.PreparedQueryList(nil)
	out["queries"], out["queries.idx"] = queries, idx
	for _, name := range []string{"web", "geo-db", "anything"} {
		_, q, err := s.PreparedQueryResolve(nil, name)
		out["resolve."+name] = []any{q, err}
	}
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
	q := namedQuery(qid1, "web")
	q.Token, q.DNS.TTL = "tok", "5s"
	q.Service = ServiceQuery{Service: "web", Tags: []string{"a", "!b"}, NodeMeta: map[string]string{"k": "v"},
		Failover: QueryFailoverOptions{NearestN: 2, Datacenters: []string{"dc2"}}, IgnoreCheckIDs: []string{"c"}}
	mustSetQuery(t, src, 7, q)
	geo := templateQuery(qid2, "geo-", "${match(1)}")
	geo.Template.Regexp = "^geo-(.*)$"
	mustSetQuery(t, src, 7, geo)
	mustSetQuery(t, src, 7, templateQuery(qid3, "", "any-${name.full}"))
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
	mustSetQuery(f, s, 2, namedQuery(qid1, "web"))
	mustSetQuery(f, s, 3, templateQuery(qid2, "", "${name.full}"))
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

// checkInvariants verifies that every service and check hangs off a node,
// every service check off a service, and every prepared query is found
// under its name.
func checkInvariants(t *testing.T, s *Store) {
	t.Helper()
	tx := s.db.Load().Txn(false)
	qs, _ := tx.Get(tablePreparedQueries, indexID)
	for raw := qs.Next(); raw != nil; raw = qs.Next() {
		q := raw.(*queryRow).q
		index := indexName
		if isTemplate(q) {
			index = indexTemplate
		} else if q.Name == "" {
			continue
		}
		if got, _ := tx.First(tablePreparedQueries, index, q.Name); got != raw {
			t.Fatalf("query %q not found under its name %q", q.ID, q.Name)
		}
	}
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

func TestRestoreRefusesConflictingQueries(t *testing.T) {
	tests := []struct {
		name    string
		queries []*PreparedQuery
		ok      bool
	}{
		{"distinct", []*PreparedQuery{namedQuery(qid1, "a"), templateQuery(qid2, "", "x")}, true},
		{"same name", []*PreparedQuery{namedQuery(qid1, "a"), namedQuery(qid2, "A")}, false},
		{"two catch-alls", []*PreparedQuery{templateQuery(qid1, "", "x"), templateQuery(qid2, "", "x")}, false},
		{"bad regexp", []*PreparedQuery{func() *PreparedQuery {
			q := templateQuery(qid1, "", "x")
			q.Template.Regexp = "("
			return q
		}()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			fw := &frameWriter{w: bufio.NewWriter(&buf), crc: crc32.New(crcTable)}
			fw.raw([]byte(snapshotMagic + string(rune(snapshotVersion))))
			for _, q := range tt.queries {
				fw.frame(frameQuery, q)
			}
			if err := fw.finish(); err != nil {
				t.Fatal(err)
			}
			err := newStore(t).Restore(&buf)
			if (err == nil) != tt.ok {
				t.Fatalf("Restore = %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok {
				wantErr(t, err, ErrCorruptSnapshot)
			}
		})
	}
}
