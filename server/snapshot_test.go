package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/snapshot"
	"github.com/pylonmesh/pylon/server/state"
)

// dumpState renders what a client can read of nodes, services, checks, KV
// and sessions, for comparing states.
func dumpState(t *testing.T, st *state.Store) string {
	t.Helper()
	out := dumpNodes(t, st)
	_, kvs, err := st.KVList(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kvs {
		out += fmt.Sprintf("kv %s=%s@%d;", e.Key, e.Value, e.ModifyIndex)
	}
	_, sessions, err := st.SessionList(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		out += fmt.Sprintf("session %s on %s ttl %s;", s.ID, s.Node, s.TTL)
	}
	return out
}

func save(t *testing.T, s *Server) ([]byte, uint64) {
	t.Helper()
	var buf bytes.Buffer
	idx, err := s.SnapshotSave(context.Background(), &buf)
	if err != nil {
		t.Fatalf("SnapshotSave: %v", err)
	}
	return buf.Bytes(), idx
}

func TestSnapshotSaveRestore(t *testing.T) {
	for _, mode := range []string{"dev", "data-dir"} {
		t.Run(mode, func(t *testing.T) {
			cfg := testConfig(t)
			if mode == "data-dir" {
				cfg.DataDir = t.TempDir()
			}
			ctx := context.Background()
			s := startServer(t, cfg)
			for _, n := range []string{"n1", "n2"} {
				if _, err := s.Register(ctx, reg(n, "web-1")); err != nil {
					t.Fatal(err)
				}
			}
			mustKVApply(t, s, kvReq(state.KVSet, "k1", state.KVEntry{Value: []byte("v1")}))
			sessID := mustCreateSession(t, s, state.Session{TTL: "30s"})
			waitFor(t, func() bool { return s.timers.has(sessID) }) // the leader's timers may start just after
			want := dumpState(t, s.Store())
			archive, idx := save(t, s)
			if last := s.Store().LastIndex(); idx < last {
				t.Errorf("SnapshotSave index %d, below the store's %d", idx, last)
			}
			if meta, err := snapshot.Verify(bytes.NewReader(archive), 0); err != nil || meta.Index != idx {
				t.Fatalf("Verify = %+v, %v; want index %d", meta, err, idx)
			}

			// Change everything, with a reader blocked on k1.
			if _, err := s.Deregister(ctx, &state.Deregistration{Node: "n2"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Register(ctx, reg("n3", "web-1")); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SessionDestroy(ctx, sessID); err != nil {
				t.Fatal(err)
			}
			mustKVApply(t, s, kvReq(state.KVSet, "k1", state.KVEntry{Value: []byte("v2")}))
			mustKVApply(t, s, kvReq(state.KVSet, "k2", state.KVEntry{Value: []byte("new")}))
			ws := memdb.NewWatchSet()
			if _, _, err := s.Store().KVGet(ws, "k1"); err != nil {
				t.Fatal(err)
			}
			if s.timers.has(sessID) {
				t.Fatal("destroyed session still has a timer")
			}

			if err := s.SnapshotRestore(ctx, bytes.NewReader(archive)); err != nil {
				t.Fatalf("SnapshotRestore: %v", err)
			}
			if got := dumpState(t, s.Store()); got != want {
				t.Errorf("after restore:\n got %s\nwant %s", got, want)
			}
			if !fired(ws) {
				t.Error("a reader blocked before the restore was not woken")
			}
			if !s.timers.has(sessID) {
				t.Error("restored TTL session has no timer")
			}
			after, err := s.Register(ctx, reg("n4", "web-1"))
			if err != nil || after <= idx {
				t.Fatalf("Register after restore = %d, %v; want an index above %d", after, err, idx)
			}
			want = dumpState(t, s.Store())
			if mode == "dev" {
				return
			}
			if err := s.Shutdown(); err != nil {
				t.Fatal(err)
			}
			s2 := startServer(t, cfg)
			if got := dumpState(t, s2.Store()); got != want {
				t.Errorf("after restart:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// fired reports whether any channel of ws is closed, without waiting.
func fired(ws memdb.WatchSet) bool {
	for ch := range ws {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

// TestSnapshotRestoreRefusesCorruption: every broken archive is refused
// before it reaches Raft, the state stays as it was, no reader is woken,
// and the server keeps taking writes.
func TestSnapshotRestoreRefusesCorruption(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, testConfig(t))
	if _, err := s.Register(ctx, reg("n1", "web-1")); err != nil {
		t.Fatal(err)
	}
	mustKVApply(t, s, kvReq(state.KVSet, "k", state.KVEntry{Value: []byte("v")}))
	good, _ := save(t, s)
	files := archiveFiles(t, good)
	data := files[snapshot.StateFile]
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1

	cases := map[string][]byte{
		"flipped byte in state.bin": rebuild(t, files, map[string][]byte{snapshot.StateFile: flipped}, false),
		"wrong checksum": rebuild(t, files, map[string][]byte{snapshot.SumsFile: bytes.Replace(files[snapshot.SumsFile],
			[]byte("  state.bin"), []byte("  meta.json"), 1)}, false),
		"truncated":   good[:len(good)/2],
		"not gzip":    []byte("PUT me back together"),
		"extra file":  rebuild(t, files, map[string][]byte{"notes.txt": []byte("hi")}, false),
		"not a state": rebuild(t, files, map[string][]byte{snapshot.StateFile: []byte("PYLF\x01 garbage")}, true),
		"state with a flipped byte, checksums redone": rebuild(t, files, map[string][]byte{snapshot.StateFile: flipped}, true),
		"state of a service on no node":               rebuild(t, files, map[string][]byte{snapshot.StateFile: orphanState(t)}, true),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			before := dumpState(t, s.Store())
			ws := memdb.NewWatchSet()
			if _, _, err := s.Store().KVGet(ws, "k"); err != nil {
				t.Fatal(err)
			}
			err := s.SnapshotRestore(ctx, bytes.NewReader(in))
			if !errors.Is(err, snapshot.ErrInvalid) {
				t.Fatalf("SnapshotRestore = %v, want snapshot.ErrInvalid", err)
			}
			if got := dumpState(t, s.Store()); got != before {
				t.Errorf("refused restore changed the state:\n got %s\nwant %s", got, before)
			}
			if fired(ws) {
				t.Error("refused restore woke a reader")
			}
			if _, err := s.Register(ctx, reg("after-"+name[:4], "web-1")); err != nil {
				t.Errorf("Register after a refused restore: %v", err)
			}
		})
	}
}

// archiveFiles reads the files of an archive.
func archiveFiles(t *testing.T, archive []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if files[hdr.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

// rebuild writes an archive of files with changes applied. With redo,
// meta.json's size and SHA256SUMS are made to match the new state.bin, so
// only its content is wrong.
func rebuild(t *testing.T, files, changes map[string][]byte, redo bool) []byte {
	t.Helper()
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	if redo {
		var meta raft.SnapshotMeta
		if err := json.Unmarshal(out[snapshot.MetaFile], &meta); err != nil {
			t.Fatal(err)
		}
		meta.Size = int64(len(out[snapshot.StateFile]))
		out[snapshot.MetaFile], _ = json.Marshal(&meta)
		out[snapshot.SumsFile] = fmt.Appendf(nil, "%x  %s\n%x  %s\n", sha256.Sum256(out[snapshot.MetaFile]),
			snapshot.MetaFile, sha256.Sum256(out[snapshot.StateFile]), snapshot.StateFile)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range []string{snapshot.MetaFile, snapshot.StateFile, snapshot.SumsFile, "notes.txt"} {
		body, ok := out[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// orphanState is an FSM snapshot whose framing and checksums are right
// but whose one record, a service, names a node that is not there: it
// scans, and only a restore refuses it.
func orphanState(t *testing.T) []byte {
	t.Helper()
	var rec []byte
	h := &codec.MsgpackHandle{}
	if err := codec.NewEncoderBytes(&rec, h).Encode(map[string]any{"ID": "web", "Name": "web", "Node": "ghost"}); err != nil {
		t.Fatal(err)
	}
	const frameService, frameEnd = 2, 0 // server/state's frame kinds
	stream := []byte("PYLS\x01")
	stream = append(stream, frameService, byte(len(rec)))
	stream = append(stream, rec...)
	stream = append(stream, frameEnd, 1) // one frame
	crc := crc32c(stream)
	stream = append(stream, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
	out := append([]byte("PYLF\x01"), stream...)
	if err := state.ScanSnapshot(bytes.NewReader(out[5:]), func(state.SnapshotRecord) error { return nil }); err != nil {
		t.Fatalf("orphan state does not scan: %v", err)
	}
	return out
}

// TestSnapshotsTruncateTheLog: with a small threshold the server takes
// snapshots on its own and truncates its log, and a restart rebuilds the
// state from the latest snapshot and the log after it.
func TestSnapshotsTruncateTheLog(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	cfg.RaftSnapshotThreshold, cfg.RaftSnapshotInterval, cfg.RaftTrailingLogs = 32, 10*time.Millisecond, 8
	s := startServer(t, cfg)
	for i := range 200 {
		mustKVApply(t, s, kvReq(state.KVSet, fmt.Sprintf("k%03d", i), state.KVEntry{Value: fmt.Appendf(nil, "v%d", i)}))
	}
	waitFor(t, func() bool {
		snaps, err := s.stores.snaps.List()
		first, ferr := s.stores.logs.FirstIndex()
		return err == nil && ferr == nil && len(snaps) > 0 && first > 1
	})
	// A few entries after the latest snapshot live only in the log.
	for i := 200; i < 205; i++ {
		mustKVApply(t, s, kvReq(state.KVSet, fmt.Sprintf("k%03d", i), state.KVEntry{Value: fmt.Appendf(nil, "v%d", i)}))
	}
	want := dumpState(t, s.Store())
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, cfg)
	if first, err := s2.stores.logs.FirstIndex(); err != nil || first <= 1 {
		t.Fatalf("log after restart starts at %d (%v): it was never truncated", first, err)
	}
	if got := dumpState(t, s2.Store()); got != want {
		t.Errorf("after restart:\n got %s\nwant %s", got, want)
	}
}

// BenchmarkSnapshotSave measures SnapshotSave (Raft snapshot, archive,
// gzip) of a store of 10,000 service registrations and 10,000 KV entries
// of 100 bytes: go test ./server -run X -bench SnapshotSave
func BenchmarkSnapshotSave(b *testing.B) {
	s := startServer(b, testConfig(b))
	const n, workers = 10_000, 32
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if _, err := s.Register(ctx, reg(fmt.Sprintf("node-%05d", i), "web-1")); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := s.KVApply(ctx, kvReq(state.KVSet, fmt.Sprintf("config/app-%05d", i),
					state.KVEntry{Value: bytes.Repeat([]byte("x"), 100)})); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var first bytes.Buffer
	if _, err := s.SnapshotSave(ctx, &first); err != nil {
		b.Fatal(err)
	}
	meta, err := snapshot.Read(bytes.NewReader(first.Bytes()), io.Discard, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(meta.Size) // MB/s of state: what the store encodes
	for b.Loop() {
		if _, err := s.SnapshotSave(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(meta.Size), "state-bytes")
	b.ReportMetric(float64(first.Len()), "archive-bytes")
}

// crc32c is the checksum that ends a state store stream.
func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }

// TestSnapshotRestoreCanceled: a restore whose caller gave up reports the
// context's error, not a bad archive, and changes nothing.
func TestSnapshotRestoreCanceled(t *testing.T) {
	s := startServer(t, testConfig(t))
	if _, err := s.Register(context.Background(), reg("n1", "web-1")); err != nil {
		t.Fatal(err)
	}
	archive, _ := save(t, s)
	before := dumpState(t, s.Store())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.SnapshotRestore(ctx, bytes.NewReader(archive)); !errors.Is(err, context.Canceled) {
		t.Fatalf("SnapshotRestore = %v, want context.Canceled", err)
	}
	if _, err := s.SnapshotSave(ctx, io.Discard); !errors.Is(err, context.Canceled) {
		t.Fatalf("SnapshotSave = %v, want context.Canceled", err)
	}
	if got := dumpState(t, s.Store()); got != before {
		t.Errorf("state changed:\n got %s\nwant %s", got, before)
	}
}
