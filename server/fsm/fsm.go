package fsm

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

// FSM applies committed Raft log entries to a state store.
type FSM struct {
	store  *state.Store
	logger *slog.Logger
}

var (
	_ raft.FSM         = (*FSM)(nil)
	_ raft.BatchingFSM = (*FSM)(nil)
)

// New returns an FSM over store. A nil logger discards.
func New(store *state.Store, logger *slog.Logger) *FSM {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &FSM{store: store, logger: logger}
}

// Store returns the state store the FSM writes.
func (f *FSM) Store() *state.Store { return f.store }

// Apply applies one entry. The response is the error of the entry, or
// its value (nil for most types; see MessageType).
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	fn, body, err := f.lookup(l)
	if err != nil {
		return err
	}
	if fn == nil {
		return nil
	}
	v, err := fn(f.store, l.Index, body)
	if err != nil {
		return err
	}
	return v
}

// ApplyBatch applies a run of entries in one store transaction; each entry
// gets its own response, as from Apply.
func (f *FSM) ApplyBatch(logs []*raft.Log) []any {
	resp := make([]any, len(logs))
	ops := make([]func(state.Writer) error, 0, len(logs))
	at := make([]int, 0, len(logs)) // response slot of each op
	for i, l := range logs {
		if l.Type != raft.LogCommand {
			continue
		}
		fn, body, err := f.lookup(l)
		if err != nil {
			resp[i] = err
			continue
		}
		if fn == nil {
			continue
		}
		idx, slot := l.Index, i
		ops = append(ops, func(w state.Writer) error {
			v, err := fn(w, idx, body)
			resp[slot] = v // an op may run twice; the last run counts
			return err
		})
		at = append(at, i)
	}
	for j, err := range f.store.WriteBatch(ops) {
		if err != nil {
			resp[at[j]] = err
		}
	}
	return resp
}

// lookup finds the apply function of an entry. A nil function with no
// error means the entry is of an unknown type marked ignorable.
func (f *FSM) lookup(l *raft.Log) (applyFunc, []byte, error) {
	if len(l.Data) == 0 {
		return nil, nil, fmt.Errorf("index %d: %w", l.Index, ErrEmptyEntry)
	}
	t := MessageType(l.Data[0])
	if fn := commands[t]; fn != nil {
		return fn, l.Data[1:], nil
	}
	if t&IgnoreUnknownTypeFlag != 0 {
		f.logger.Warn("ignoring unknown message type", "type", uint8(t), "index", l.Index)
		return nil, nil, nil
	}
	return nil, nil, fmt.Errorf("index %d: %w %d", l.Index, ErrUnknownMessageType, uint8(t))
}

// Snapshot captures the store for Raft to persist.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{snap: f.store.Snapshot()}, nil
}

// Restore replaces the store's contents with a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := readHeader(rc); err != nil {
		return err
	}
	if err := f.store.Restore(rc); err != nil {
		return fmt.Errorf("fsm: %w", err)
	}
	return nil
}
