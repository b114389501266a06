package snapshot

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read and Inspect. Neither may panic or
// hang; whatever Read accepts has a state of the size its metadata gives,
// and writes back to an archive that reads the same.
func FuzzRead(f *testing.F) {
	meta, data := fsmState(f, "a/b", "a/c", "d")
	good := archive(f, meta, data)
	metaJSON, sums := parts(f, meta, data)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(craft(f, []entry{{name: SumsFile, body: sums}, {name: StateFile, body: data}, {name: MetaFile, body: metaJSON}}, nil))
	f.Add(craft(f, []entry{{name: MetaFile, body: metaJSON}, {name: StateFile, body: data}}, nil))
	f.Add(rawTar(f, []entry{{name: MetaFile, body: metaJSON}}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		var state bytes.Buffer
		m, err := Read(bytes.NewReader(in), &state, 1<<20)
		if _, ierr := Inspect(bytes.NewReader(in), InspectOptions{MaxStateSize: 1 << 20, KVDepth: 1}); err != nil && ierr == nil {
			t.Fatalf("Inspect accepted what Read refused (%v)", err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Read error %v wraps neither ErrInvalid nor ErrTooLarge", err)
			}
			return
		}
		if int64(state.Len()) != m.Size {
			t.Fatalf("state is %d bytes, meta says %d", state.Len(), m.Size)
		}
		var again bytes.Buffer
		if err := Write(&again, m, bytes.NewReader(state.Bytes())); err != nil {
			t.Fatalf("Write of an accepted archive: %v", err)
		}
		var state2 bytes.Buffer
		if _, err := Read(&again, &state2, 1<<20); err != nil || !bytes.Equal(state2.Bytes(), state.Bytes()) {
			t.Fatalf("rewritten archive reads back %v", err)
		}
	})
}
