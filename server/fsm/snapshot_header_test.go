package fsm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func TestReadSnapshotHeader(t *testing.T) {
	src := newFSM(t)
	checkResponse(t, src.Apply(entry(t, 3, RegisterRequestType, webReg("n1"))), nil)
	snap := src.Store().Snapshot()
	defer snap.Release()
	var buf bytes.Buffer
	if err := writeSnapshot(&buf, snap); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	r := bytes.NewReader(data)
	if err := ReadSnapshotHeader(r); err != nil {
		t.Fatalf("ReadSnapshotHeader: %v", err)
	}
	records := 0
	if err := state.ScanSnapshot(r, func(state.SnapshotRecord) error { records++; return nil }); err != nil || records == 0 {
		t.Fatalf("ScanSnapshot after the header = %v (%d records)", err, records)
	}

	for name, bad := range map[string][]byte{
		"empty":       nil,
		"short":       data[:3],
		"bad magic":   append([]byte("XXXX\x01"), data[5:]...),
		"bad version": append([]byte("PYLF\x09"), data[5:]...),
	} {
		if err := ReadSnapshotHeader(bytes.NewReader(bad)); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("%s: ReadSnapshotHeader = %v, want ErrBadSnapshot", name, err)
		}
	}
}
