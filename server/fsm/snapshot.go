package fsm

import (
	"fmt"
	"io"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

// A snapshot is a header, "PYLF" and a format version byte, followed by
// the state store's stream.
const (
	snapshotMagic   = "PYLF"
	snapshotVersion = 1
)

type fsmSnapshot struct {
	snap *state.Snapshot
}

var _ raft.FSMSnapshot = (*fsmSnapshot)(nil)

// Persist writes the snapshot to sink and closes it, or cancels it on
// error.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := writeSnapshot(sink, s.snap); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() { s.snap.Release() }

func writeSnapshot(w io.Writer, snap *state.Snapshot) error {
	if _, err := w.Write([]byte{snapshotMagic[0], snapshotMagic[1], snapshotMagic[2], snapshotMagic[3], snapshotVersion}); err != nil {
		return fmt.Errorf("fsm: write snapshot header: %w", err)
	}
	if err := snap.Persist(w); err != nil {
		return fmt.Errorf("fsm: %w", err)
	}
	return nil
}

func readHeader(r io.Reader) error {
	var h [len(snapshotMagic) + 1]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	if string(h[:len(snapshotMagic)]) != snapshotMagic {
		return fmt.Errorf("%w: bad magic", ErrBadSnapshot)
	}
	if h[len(snapshotMagic)] != snapshotVersion {
		return fmt.Errorf("%w: unsupported version %d", ErrBadSnapshot, h[len(snapshotMagic)])
	}
	return nil
}
