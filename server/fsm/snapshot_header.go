package fsm

import "io"

// ReadSnapshotHeader reads and checks the header that starts every FSM
// snapshot, leaving r at the state store's stream (see
// state.ScanSnapshot). A missing, malformed or unsupported header is an
// error wrapping ErrBadSnapshot.
func ReadSnapshotHeader(r io.Reader) error { return readHeader(r) }
