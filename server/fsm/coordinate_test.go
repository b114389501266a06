package fsm

import (
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

func TestApplyCoordinateBatch(t *testing.T) {
	f := newFSM(t)
	if r := f.Apply(entry(t, 1, RegisterRequestType, webReg("n1"))); r != nil {
		t.Fatalf("register: %v", r)
	}
	c := &state.Coord{Vec: []float64{0.5, 0, 0, 0, 0, 0, 0, 0}, Error: 0.2, Adjustment: -0.1, Height: 1e-5}
	batch := &CoordinateBatchRequest{Updates: []*state.Coordinate{{Node: "n1", Coord: c}, {Node: "gone", Coord: c}}}
	logs := []*raft.Log{entry(t, 2, CoordinateBatchType, batch), entry(t, 3, CoordinateBatchType, batch)}
	for i, r := range f.ApplyBatch(logs) {
		if r != nil {
			t.Fatalf("entry %d: %v", i, r)
		}
	}
	idx, got, err := f.Store().Coordinates(nil)
	if err != nil || idx != 3 || len(got) != 1 || got[0].Node != "n1" || got[0].Coord.Adjustment != -0.1 ||
		got[0].Coord.Vec[0] != 0.5 || got[0].Coord.Height != 1e-5 {
		t.Fatalf("coordinates = %d, %+v, %v", idx, got, err)
	}
	if CoordinateBatchType.String() != "coordinate-batch-update" {
		t.Fatalf("String = %q", CoordinateBatchType)
	}
	// A corrupt body fails the entry.
	if r := f.Apply(&raft.Log{Index: 4, Type: raft.LogCommand, Data: []byte{byte(CoordinateBatchType), 0xc1}}); r == nil {
		t.Fatal("corrupt body applied")
	}
}
