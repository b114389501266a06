package snapshot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/goleak"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fsmState returns the bytes of an FSM snapshot of a store holding a
// registration and the given KV keys, and its metadata.
func fsmState(t testing.TB, keys ...string) (*raft.SnapshotMeta, []byte) {
	t.Helper()
	store, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	reg := &state.Registration{Node: state.Node{Node: "n1", Address: "10.0.0.1"},
		Service: &state.Service{ID: "web", Name: "web", Port: 80}}
	if err := store.EnsureRegistration(1, reg); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		req := &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: k, Value: []byte("value of " + k)}}
		if _, err := store.KVApply(uint64(2+i), req); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := fsm.New(store, nil).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	snaps := raft.NewInmemSnapshotStore()
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: "n1", Address: "127.0.0.1:8300"}}}
	_, trans := raft.NewInmemTransport("127.0.0.1:8300")
	defer trans.Close()
	sink, err := snaps.Create(raft.SnapshotVersionMax, uint64(1+len(keys)), 2, conf, 1, trans)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	meta, rc, err := snaps.Open(sink.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	m := *meta
	return &m, data
}

// archive writes a valid archive of meta and data with Write.
func archive(t testing.TB, meta *raft.SnapshotMeta, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, meta, bytes.NewReader(data)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// entry is one file of a hand-made archive.
type entry struct {
	name string
	typ  byte // 0 means a regular file
	body []byte
}

// craft builds an archive from entries, in order, gzip-compressed unless
// raw. pad is appended to the tar stream before compression.
func craft(t testing.TB, entries []entry, pad []byte) []byte {
	t.Helper()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Typeflag: typ, Name: e.name, Mode: 0o600, Size: int64(len(e.body)), ModTime: time.Unix(0, 0)}
		if typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body[:hdr.Size]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	tarBuf.Write(pad)
	return gzipBytes(t, tarBuf.Bytes())
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parts returns the three files of a valid archive, for crafting variants.
func parts(t testing.TB, meta *raft.SnapshotMeta, data []byte) (metaJSON, sums []byte) {
	t.Helper()
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	return metaJSON, sumsOf(metaJSON, data)
}

func sumsOf(metaJSON, data []byte) []byte {
	return fmt.Appendf(nil, "%x  %s\n%x  %s\n", sha256.Sum256(metaJSON), MetaFile, sha256.Sum256(data), StateFile)
}

// rawTar is the uncompressed tar of entries.
func rawTar(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o600, Size: int64(len(e.body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// forEachFile calls fn for each file of a gzip'd tar, in order.
func forEachFile(t testing.TB, archive []byte, fn func(name string, body []byte)) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		fn(hdr.Name, body)
	}
}
