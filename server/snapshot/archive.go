package snapshot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/raft"
)

// The files of an archive, in the order Write writes them.
const (
	MetaFile  = "meta.json"
	StateFile = "state.bin"
	SumsFile  = "SHA256SUMS"
)

// Write writes the archive of one Raft snapshot to w. meta describes the
// snapshot and state yields its content, exactly meta.Size bytes: a state
// shorter or longer than that is an error (and w holds a broken archive).
func Write(w io.Writer, meta *raft.SnapshotMeta, state io.Reader) error {
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("snapshot: encode %s: %w", MetaFile, err)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now()
	if err := writeFile(tw, MetaFile, now, int64(len(metaJSON)), bytes.NewReader(metaJSON)); err != nil {
		return err
	}
	h := sha256.New()
	if err := writeFile(tw, StateFile, now, meta.Size, io.TeeReader(state, h)); err != nil {
		return err
	}
	var extra [1]byte
	if n, _ := io.ReadFull(state, extra[:]); n > 0 {
		return fmt.Errorf("snapshot: %s is longer than its size in the metadata (%d bytes)", StateFile, meta.Size)
	}
	metaSum := sha256.Sum256(metaJSON)
	sums := fmt.Sprintf("%x  %s\n%x  %s\n", metaSum, MetaFile, h.Sum(nil), StateFile)
	if err := writeFile(tw, SumsFile, now, int64(len(sums)), bytes.NewReader([]byte(sums))); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("snapshot: finish tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("snapshot: finish gzip: %w", err)
	}
	return nil
}

// writeFile adds one regular file of size bytes, read from r, to tw.
func writeFile(tw *tar.Writer, name string, mtime time.Time, size int64, r io.Reader) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: size, ModTime: mtime}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("snapshot: write %s header: %w", name, err)
	}
	n, err := io.CopyN(tw, r, size)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("snapshot: %s has %d bytes, its size in the metadata is %d", name, n, size)
	}
	if err != nil {
		return fmt.Errorf("snapshot: write %s: %w", name, err)
	}
	return nil
}
