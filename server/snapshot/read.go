package snapshot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/raft"
)

// Limits of Read.
const (
	// DefaultMaxStateSize is the largest state.bin Read accepts when the
	// caller gives no limit: 1 GiB. The state is restored into memory, so
	// the limit is about memory, not disk.
	DefaultMaxStateSize int64 = 1 << 30

	maxMetaSize = 1 << 20 // meta.json is a few hundred bytes per server
	maxSumsSize = 4 << 10
	// maxPadding is how many zero bytes may follow the end of the tar
	// stream (tar tools pad to a record size; 10 KiB for GNU tar).
	maxPadding = 1 << 20
)

// Read reads a whole archive from r, copies the content of state.bin to
// state and returns the metadata, once everything checks: the gzip stream
// (to its checksum), the tar stream (no truncation, only regular files),
// exactly the three files and each once, their sizes, SHA256SUMS against
// both other files, and the metadata (its Size is the state's, its Version
// one Raft supports).
//
// state.bin is copied while it is read, before its checksum can be
// compared: on an error, discard what state received. maxState bounds the
// size of state.bin (0 means DefaultMaxStateSize); a larger one is refused
// with ErrTooLarge before anything is copied. Every other refusal wraps
// ErrInvalid, except a failure to write to state, which is returned
// wrapped as it is.
func Read(r io.Reader, state io.Writer, maxState int64) (*raft.SnapshotMeta, error) {
	if maxState <= 0 {
		maxState = DefaultMaxStateSize
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, invalid("not a gzip stream: %v", err)
	}
	defer gz.Close()
	ar := &archiveReader{state: &trackedWriter{w: state}, maxState: maxState}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("read tar: %v", err)
		}
		if err := ar.file(hdr, tr); err != nil {
			return nil, err
		}
	}
	if err := drainPadding(gz); err != nil {
		return nil, err
	}
	return ar.verify()
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// archiveReader collects the files of an archive as they stream by.
type archiveReader struct {
	state    *trackedWriter
	maxState int64

	meta, sums []byte // nil until read
	stateSeen  bool
	stateSize  int64
	stateSum   []byte
}

// file reads one tar entry.
func (ar *archiveReader) file(hdr *tar.Header, tr *tar.Reader) error {
	if hdr.Typeflag != tar.TypeReg {
		return invalid("unexpected entry %q of type %q", hdr.Name, hdr.Typeflag)
	}
	switch hdr.Name {
	case MetaFile:
		return readSmall(&ar.meta, hdr, tr, maxMetaSize)
	case SumsFile:
		return readSmall(&ar.sums, hdr, tr, maxSumsSize)
	case StateFile:
		return ar.readState(hdr, tr)
	}
	return invalid("unexpected file %q", hdr.Name)
}

// readSmall reads a small file into *dst.
func readSmall(dst *[]byte, hdr *tar.Header, tr *tar.Reader, limit int64) error {
	if *dst != nil {
		return invalid("%s appears twice", hdr.Name)
	}
	if hdr.Size > limit {
		return invalid("%s is %d bytes, more than the %d allowed", hdr.Name, hdr.Size, limit)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return invalid("read %s: %v", hdr.Name, err)
	}
	*dst = b
	return nil
}

func (ar *archiveReader) readState(hdr *tar.Header, tr *tar.Reader) error {
	if ar.stateSeen {
		return invalid("%s appears twice", StateFile)
	}
	ar.stateSeen = true
	if hdr.Size > ar.maxState {
		return fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, StateFile, hdr.Size, ar.maxState)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(h, ar.state), tr)
	if err != nil {
		if ar.state.err != nil {
			return fmt.Errorf("snapshot: copy %s: %w", StateFile, ar.state.err)
		}
		return invalid("read %s: %v", StateFile, err)
	}
	ar.stateSize, ar.stateSum = n, h.Sum(nil)
	return nil
}

// verify checks the files against each other once all are read.
func (ar *archiveReader) verify() (*raft.SnapshotMeta, error) {
	switch {
	case ar.meta == nil:
		return nil, invalid("missing %s", MetaFile)
	case !ar.stateSeen:
		return nil, invalid("missing %s", StateFile)
	case ar.sums == nil:
		return nil, invalid("missing %s", SumsFile)
	}
	sums, err := parseSums(ar.sums)
	if err != nil {
		return nil, err
	}
	metaSum := sha256.Sum256(ar.meta)
	for name, got := range map[string][]byte{MetaFile: metaSum[:], StateFile: ar.stateSum} {
		if !bytes.Equal(sums[name], got) {
			return nil, invalid("checksum mismatch for %s", name)
		}
	}
	meta := new(raft.SnapshotMeta)
	if err := json.Unmarshal(ar.meta, meta); err != nil {
		return nil, invalid("decode %s: %v", MetaFile, err)
	}
	if meta.Size != ar.stateSize {
		return nil, invalid("%s says the state is %d bytes, %s has %d", MetaFile, meta.Size, StateFile, ar.stateSize)
	}
	if meta.Version < raft.SnapshotVersionMin || meta.Version > raft.SnapshotVersionMax {
		return nil, invalid("unsupported snapshot version %d", meta.Version)
	}
	return meta, nil
}

// parseSums reads SHA256SUMS: one "<hex>  <name>" line (or "<hex> *<name>",
// sha256sum's binary mode) for each of meta.json and state.bin.
func parseSums(b []byte) (map[string][]byte, error) {
	sums := make(map[string][]byte, 2)
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, " ")
		name, star := strings.CutPrefix(name, "*")
		if !star {
			name, ok = strings.CutPrefix(name, " ")
		}
		raw, err := hex.DecodeString(sum)
		if !ok || err != nil || len(raw) != sha256.Size {
			return nil, invalid("malformed %s line %q", SumsFile, line)
		}
		if name != MetaFile && name != StateFile {
			return nil, invalid("%s names unexpected file %q", SumsFile, name)
		}
		if _, dup := sums[name]; dup {
			return nil, invalid("%s names %s twice", SumsFile, name)
		}
		sums[name] = raw
	}
	for _, name := range []string{MetaFile, StateFile} {
		if sums[name] == nil {
			return nil, invalid("%s has no checksum for %s", SumsFile, name)
		}
	}
	return sums, nil
}

// drainPadding reads what follows the tar stream to the end of the gzip
// stream, which verifies the gzip checksum. Only zero padding may follow.
func drainPadding(r io.Reader) error {
	buf := make([]byte, 32<<10)
	var total int
	for {
		n, err := r.Read(buf)
		if bytes.Count(buf[:n], []byte{0}) != n {
			return invalid("data after the end of the tar stream")
		}
		if total += n; total > maxPadding {
			return invalid("more than %d bytes of padding after the tar stream", maxPadding)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return invalid("read gzip: %v", err)
		}
	}
}

// trackedWriter remembers the error of the writer it wraps, so a failed
// copy can be blamed on the right side.
type trackedWriter struct {
	w   io.Writer
	err error
}

func (t *trackedWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil {
		t.err = err
	}
	return n, err
}
