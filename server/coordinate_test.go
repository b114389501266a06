package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/server/state"
)

func testCoord(x float64) *state.Coord {
	return &state.Coord{Vec: []float64{x, 0, 0, 0, 0, 0, 0, 0}, Error: 1.5, Height: 1e-5}
}

// waitCoordinates blocks on the store until it holds want coordinates.
func waitCoordinates(t *testing.T, st *state.Store, want int) []*state.Coordinate {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		ws := memdb.NewWatchSet()
		_, got, err := st.Coordinates(ws)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == want {
			return got
		}
		if ws.Watch(deadline) {
			t.Fatalf("store holds %d coordinates, want %d", len(got), want)
		}
	}
}

func registerNodes(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Register(context.Background(), reg(fmt.Sprintf("n%d", i), "web")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCoordinateUpdateRejectsInvalid(t *testing.T) {
	s := startServer(t, testConfig(t))
	for _, u := range []*state.Coordinate{
		nil,
		{Coord: testCoord(1)},
		{Node: "n0"},
		{Node: "n0", Coord: &state.Coord{}},
		{Node: "n0", Coord: &state.Coord{Vec: []float64{math.Inf(1)}}},
		{Node: "n0", Coord: &state.Coord{Vec: []float64{1}, Height: math.NaN()}},
	} {
		if err := s.CoordinateUpdate(context.Background(), u); !errors.Is(err, ErrInvalidCoordinate) {
			t.Errorf("CoordinateUpdate(%+v) = %v, want ErrInvalidCoordinate", u, err)
		}
	}
}

// TestCoordinateFlushLimits: one flush writes at most BatchSize*MaxBatches
// updates, the latest per node, and skips nodes not in the catalog.
func TestCoordinateFlushLimits(t *testing.T) {
	cfg := testConfig(t)
	cfg.CoordinateUpdatePeriod = time.Hour // flushed by hand below
	cfg.CoordinateBatchSize = 2
	cfg.CoordinateMaxBatches = 2
	s := startServer(t, cfg)
	ctx := context.Background()
	registerNodes(t, s, 6)
	for i := range 6 {
		if err := s.CoordinateUpdate(ctx, &state.Coordinate{Node: fmt.Sprintf("n%d", i), Coord: testCoord(9)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []*state.Coordinate{{Node: "N0", Coord: testCoord(1)}, {Node: "a-ghost", Coord: testCoord(1)}} {
		if err := s.CoordinateUpdate(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	before := s.raft.LastIndex()
	if err := s.flushCoordinates(ctx); err != nil {
		t.Fatal(err)
	}
	if entries := s.raft.LastIndex() - before; entries != 2 {
		t.Errorf("flush wrote %d entries, want 2", entries)
	}
	_, got, _ := s.Store().Coordinates(nil)
	// In node order: a-ghost (skipped by the store), n0, n1, n2 fit.
	want := []struct {
		node string
		x    float64
	}{{"n0", 1}, {"n1", 9}, {"n2", 9}}
	if len(got) != len(want) {
		t.Fatalf("stored %d coordinates, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Node != w.node || got[i].Coord.Vec[0] != w.x {
			t.Errorf("coordinate %d = %s %v, want %+v", i, got[i].Node, got[i].Coord.Vec[0], w)
		}
	}
	// The dropped ones are gone, not carried over.
	if err := s.flushCoordinates(ctx); err != nil || s.raft.LastIndex()-before != 2 {
		t.Fatalf("second flush = %v, %d entries in all", err, s.raft.LastIndex()-before)
	}
}

// TestCoordinateUpdatePeriodic: the leader writes queued updates on its
// own every period, including those forwarded by followers and sent by
// client agents.
func TestCoordinateUpdatePeriodic(t *testing.T) {
	c := newTestCluster(t, 3)
	l := c.leader()
	registerNodes(t, l, 3)
	ctx := context.Background()
	f := c.followers()[0]
	if err := f.CoordinateUpdate(ctx, &state.Coordinate{Node: "n0", Coord: testCoord(1)}); err != nil {
		t.Fatalf("through a follower: %v", err)
	}
	cl := newTestClient(t, c)
	cl.SetServers([]string{c.followers()[1].Addr()})
	if err := cl.CoordinateUpdate(ctx, &state.Coordinate{Node: "n1", Coord: testCoord(2)}); err != nil {
		t.Fatalf("through a client: %v", err)
	}
	err := cl.CoordinateUpdate(ctx, &state.Coordinate{Node: "n1"})
	if !errors.Is(err, ErrInvalidCoordinate) {
		t.Fatalf("invalid through a client = %v, want ErrInvalidCoordinate", err)
	}
	if err := l.flushCoordinates(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range c.servers {
		got := waitCoordinates(t, s.Store(), 2)
		if got[0].Node != "n0" || got[1].Node != "n1" || got[1].Coord.Vec[0] != 2 {
			t.Fatalf("%s holds %+v", s.ID(), got)
		}
	}
}

func TestCoordinateFlushRunsEveryPeriod(t *testing.T) {
	cfg := testConfig(t)
	cfg.CoordinateUpdatePeriod = 5 * time.Millisecond
	s := startServer(t, cfg)
	registerNodes(t, s, 1)
	if err := s.CoordinateUpdate(context.Background(), &state.Coordinate{Node: "n0", Coord: testCoord(3)}); err != nil {
		t.Fatal(err)
	}
	got := waitCoordinates(t, s.Store(), 1)
	if got[0].Coord.Vec[0] != 3 {
		t.Fatalf("stored %+v", got[0].Coord)
	}
	cs, err := s.ServerCoordinates()
	if err != nil || len(cs) != 0 {
		t.Fatalf("ServerCoordinates without a coordinate of the server = %+v, %v", cs, err)
	}
	if _, err := s.Register(context.Background(), reg(cfg.NodeName, "web")); err != nil {
		t.Fatal(err)
	}
	if err := s.CoordinateUpdate(context.Background(), &state.Coordinate{Node: cfg.NodeName, Coord: testCoord(4)}); err != nil {
		t.Fatal(err)
	}
	waitCoordinates(t, s.Store(), 2)
	if cs, err := s.ServerCoordinates(); err != nil || len(cs) != 1 || cs[0].Node != cfg.NodeName {
		t.Fatalf("ServerCoordinates = %+v, %v", cs, err)
	}
}
