package snapshot

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Info is what Inspect found in an archive.
type Info struct {
	Meta raft.SnapshotMeta
	// Types has one entry per record type present, the largest total
	// size first.
	Types []Stats
	// TotalSize is the size of every record of state.bin.
	TotalSize int64
	// KV groups the KVS records by key (see InspectOptions), the largest
	// total size first; nil unless KVDepth was set.
	KV []Stats
	// TotalSizeKV is the size of the KVS records counted in KV.
	TotalSizeKV int64
}

// Stats counts the records of one type, or of one group of keys.
type Stats struct {
	Name  string
	Count int
	Size  int64
}

// InspectOptions tune Inspect.
type InspectOptions struct {
	// MaxStateSize bounds state.bin as in Read; 0 means
	// DefaultMaxStateSize.
	MaxStateSize int64
	// KVDepth, when positive, groups the KVS records by the first KVDepth
	// "/"-separated segments of their keys, in Info.KV.
	KVDepth int
	// KVFilter keeps only the keys with this prefix in Info.KV.
	KVFilter string
}

// Inspect reads and checks an archive as Read does, and also walks the
// records of state.bin (its FSM header, framing and stream checksum) to
// count them by type. It does not restore them: a state that inspects
// cleanly may still be refused by a restore, which validates every
// record.
func Inspect(r io.Reader, opts InspectOptions) (*Info, error) {
	info := &Info{}
	c := newCounter(opts)
	pr, pw := io.Pipe()
	scanned := make(chan error, 1)
	go func() {
		err := scanState(pr, c.add)
		pr.CloseWithError(err) // a failed scan stops the copy into pw
		scanned <- err
	}()
	meta, err := Read(r, pw, opts.MaxStateSize)
	pw.CloseWithError(err) // a nil error ends the scan with EOF
	scanErr := <-scanned
	if err != nil {
		return nil, err // a scan error surfaces here as the copy's error
	}
	if scanErr != nil {
		return nil, scanErr
	}
	info.Meta = *meta
	info.Types, info.TotalSize = c.types.sorted()
	if opts.KVDepth > 0 {
		info.KV, info.TotalSizeKV = c.kv.sorted()
	}
	return info, nil
}

// Verify checks an archive as Inspect does and returns its metadata.
func Verify(r io.Reader, maxStateSize int64) (*raft.SnapshotMeta, error) {
	info, err := Inspect(r, InspectOptions{MaxStateSize: maxStateSize})
	if err != nil {
		return nil, err
	}
	return &info.Meta, nil
}

// scanState walks state.bin: the FSM header, then the store's stream. It
// reads r to its end, so the writer on the other side of the pipe is
// never left blocked.
func scanState(r io.Reader, fn func(state.SnapshotRecord)) error {
	if err := fsm.ReadSnapshotHeader(r); err != nil {
		return invalid("%s: %v", StateFile, err)
	}
	err := state.ScanSnapshot(r, func(rec state.SnapshotRecord) error {
		fn(rec)
		return nil
	})
	if err != nil {
		return invalid("%s: %v", StateFile, err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fmt.Errorf("snapshot: read %s: %w", StateFile, err)
	}
	return nil
}

// counter adds up records by type and by key group.
type counter struct {
	opts      InspectOptions
	types, kv statsMap
}

func newCounter(opts InspectOptions) *counter {
	return &counter{opts: opts, types: statsMap{}, kv: statsMap{}}
}

func (c *counter) add(rec state.SnapshotRecord) {
	c.types.add(rec.Type, rec.Size)
	if rec.Type != "KVS" || c.opts.KVDepth <= 0 || !strings.HasPrefix(rec.Key, c.opts.KVFilter) {
		return
	}
	c.kv.add(keyGroup(rec.Key, c.opts.KVDepth), rec.Size)
}

// keyGroup cuts a key after its first depth "/"-separated segments.
func keyGroup(key string, depth int) string {
	parts := strings.SplitN(key, "/", depth+1)
	if len(parts) > depth {
		parts = parts[:depth]
	}
	return strings.Join(parts, "/")
}

type statsMap map[string]*Stats

func (m statsMap) add(name string, size int) {
	s := m[name]
	if s == nil {
		s = &Stats{Name: name}
		m[name] = s
	}
	s.Count++
	s.Size += int64(size)
}

// sorted returns the entries, largest size first (then by name), and
// their total size.
func (m statsMap) sorted() ([]Stats, int64) {
	out := make([]Stats, 0, len(m))
	var total int64
	for _, s := range m {
		out = append(out, *s)
		total += s.Size
	}
	slices.SortFunc(out, func(a, b Stats) int {
		return cmp.Or(cmp.Compare(b.Size, a.Size), strings.Compare(a.Name, b.Name))
	})
	return out, total
}
