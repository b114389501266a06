package state

import (
	"bytes"
	"math"
	"testing"

	memdb "github.com/hashicorp/go-memdb"
)

func coord(x float64) *Coord {
	return &Coord{Vec: []float64{x, 0, 0, 0, 0, 0, 0, 0}, Error: 1.5, Adjustment: 0.1, Height: 0.01}
}

func TestCoordinateBatchUpdate(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("a", "web"))
	mustRegister(t, s, 2, regService("b", "web"))

	ws := memdb.NewWatchSet()
	if idx, got, err := s.Coordinates(ws); err != nil || len(got) != 0 || idx != 0 {
		t.Fatalf("empty = %d, %v, %v", idx, got, err)
	}
	updates := []*Coordinate{
		{Node: "a", Coord: coord(1)},
		{Node: "B", Coord: coord(2)},                           // node names match case-insensitively
		{Node: "ghost", Coord: coord(3)},                       // unknown node: ignored
		{Node: "a", Segment: "alpha", Coord: coord(4)},         // another segment
		{Node: "b", Coord: &Coord{Vec: []float64{math.NaN()}}}, // invalid: ignored
		{Node: "b", Coord: nil},                                // no coordinate: ignored
		nil,
	}
	if err := s.CoordinateBatchUpdate(3, updates); err != nil {
		t.Fatal(err)
	}
	if !fired(ws) {
		t.Fatal("watch did not fire")
	}
	idx, got, err := s.Coordinates(nil)
	if err != nil || idx != 3 {
		t.Fatalf("Coordinates = %d, %v", idx, err)
	}
	want := []struct {
		node, seg string
		x         float64
	}{{"a", "", 1}, {"a", "alpha", 4}, {"b", "", 2}}
	if len(got) != len(want) {
		t.Fatalf("got %d coordinates, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Node != w.node || got[i].Segment != w.seg || got[i].Coord.Vec[0] != w.x {
			t.Errorf("coordinate %d = %+v, want %+v", i, got[i], w)
		}
	}
	if _, one, _ := s.NodeCoordinates(nil, "A"); len(one) != 2 {
		t.Fatalf("NodeCoordinates(A) = %+v", one)
	}

	// Only invalid or unknown updates: nothing moves.
	if err := s.CoordinateBatchUpdate(4, []*Coordinate{{Node: "ghost", Coord: coord(1)}}); err != nil {
		t.Fatal(err)
	}
	if idx, _, _ := s.Coordinates(nil); idx != 3 {
		t.Fatalf("index after a no-op batch = %d, want 3", idx)
	}

	// Deregistering a node drops its coordinates with it.
	ws = memdb.NewWatchSet()
	s.NodeCoordinates(ws, "a")
	if err := s.Deregister(5, &Deregistration{Node: "a"}); err != nil {
		t.Fatal(err)
	}
	if !fired(ws) {
		t.Fatal("watch did not fire on deregistration")
	}
	if idx, one, _ := s.NodeCoordinates(nil, "a"); len(one) != 0 || idx != 5 {
		t.Fatalf("after deregister = %d, %+v", idx, one)
	}
}

func TestCoordinateSnapshotRoundTrip(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("a", "web"))
	mustRegister(t, s, 2, regService("b", "web"))
	if err := s.CoordinateBatchUpdate(3, []*Coordinate{{Node: "a", Coord: coord(1)}, {Node: "b", Coord: coord(2)}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Snapshot().Persist(&buf); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	if err := ScanSnapshot(bytes.NewReader(buf.Bytes()), func(r SnapshotRecord) error {
		kinds[r.Type]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if kinds["Coordinate"] != 2 {
		t.Fatalf("scan found %v", kinds)
	}
	dst := newStore(t)
	if err := dst.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	idx, got, err := dst.Coordinates(nil)
	if err != nil || idx != 3 || len(got) != 2 || got[1].Node != "b" || got[1].Coord.Vec[0] != 2 ||
		got[1].Coord.Error != 1.5 || got[1].Coord.Height != 0.01 {
		t.Fatalf("restored = %d, %+v, %v", idx, got, err)
	}
}

func TestCoordinateBatchInWriteBatch(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regService("a", "web"))
	errs := s.WriteBatch([]func(w Writer) error{
		func(w Writer) error { return w.CoordinateBatchUpdate(2, []*Coordinate{{Node: "a", Coord: coord(7)}}) },
		func(w Writer) error { return w.Deregister(3, &Deregistration{Node: "a"}) },
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
	}
	if idx, got, _ := s.Coordinates(nil); len(got) != 0 || idx != 3 {
		t.Fatalf("after batch = %d, %+v", idx, got)
	}
}

func TestCoordDistanceTo(t *testing.T) {
	at := func(x, y, h, adj float64) *Coord {
		return &Coord{Vec: []float64{x, y}, Height: h, Adjustment: adj}
	}
	tests := []struct {
		name string
		a, b *Coord
		want float64
		ok   bool
	}{
		{"same point", at(0, 0, 0, 0), at(0, 0, 0, 0), 0, true},
		{"3-4-5", at(0, 0, 0, 0), at(3, 4, 0, 0), 5, true},
		{"heights add", at(0, 0, 0.5, 0), at(3, 4, 0.25, 0), 5.75, true},
		{"adjustments add", at(0, 0, 0, 0.5), at(3, 4, 0, 0.5), 6, true},
		{"negative total keeps the raw distance", at(0, 0, 0, -4), at(3, 4, 0, -4), 5, true},
		{"dimensions differ", at(0, 0, 0, 0), &Coord{Vec: []float64{1}}, 0, false},
		{"nil", at(0, 0, 0, 0), nil, 0, false},
		{"not finite", at(0, 0, 0, 0), at(math.NaN(), 0, 0, 0), 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.a.DistanceTo(tt.b)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
