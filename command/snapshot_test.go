package command

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/snapshot"
	"github.com/pylonmesh/pylon/server/state"
)

// TestSnapshotCommandsLive saves, inspects and restores through a real
// agent.
func TestSnapshotCommandsLive(t *testing.T) {
	addr, c := kvTestAgent(t)
	put := func(key, value string) {
		t.Helper()
		if _, err := c.KV().Put(&api.KVPair{Key: key, Value: []byte(value)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	put("app/db/url", "postgres://old")
	put("app/web/port", "8080")
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.snap")

	out, errOut, code := run(t, "snapshot", "save", "-http-addr", addr, file)
	if code != 0 {
		t.Fatalf("save exited %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`^Saved and verified snapshot to index (\d+)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("save printed %q", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("save left %d files in the directory, want only the snapshot", len(entries))
	}

	out, errOut, code = run(t, "snapshot", "inspect", "-kvdetails", "-kvdepth", "1", file)
	if code != 0 {
		t.Fatalf("inspect exited %d: %s", code, errOut)
	}
	for _, want := range []string{"\nIndex    " + m[1] + "\n", "\nKVS ", "\nKey Name  Count  Size\n", "\napp       2 "} {
		mustContain(t, "inspect output", out, want)
	}

	put("app/db/url", "postgres://new")
	out, errOut, code = run(t, "snapshot", "restore", "-http-addr", addr, file)
	if code != 0 || out != "Restored snapshot\n" {
		t.Fatalf("restore exited %d: %q %s", code, out, errOut)
	}
	p, _, err := c.KV().Get("app/db/url", nil)
	if err != nil || p == nil || string(p.Value) != "postgres://old" {
		t.Fatalf("after restore app/db/url = %+v, %v", p, err)
	}

	bad := filepath.Join(dir, "bad.snap")
	if err := os.WriteFile(bad, []byte("not a snapshot"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = run(t, "snapshot", "restore", "-http-addr", addr, bad)
	if code != 1 || !strings.Contains(errOut, "Error restoring snapshot: Unexpected response code: 400 (") ||
		!strings.Contains(errOut, "invalid snapshot archive: not a gzip stream") {
		t.Fatalf("restore of a bad file exited %d: %s", code, errOut)
	}
	if p, _, _ := c.KV().Get("app/db/url", nil); p == nil || string(p.Value) != "postgres://old" {
		t.Errorf("a refused restore changed app/db/url: %+v", p)
	}
}

// TestSnapshotSaveLeavesNothingBehind: a save that fails, at the agent or
// at verification, leaves neither the file nor a temporary one.
func TestSnapshotSaveLeavesNothingBehind(t *testing.T) {
	cases := []struct {
		name    string
		route   route
		wantErr string
	}{
		{"refused", route{status: 403, body: "Permission denied"}, "Error saving snapshot: Unexpected response code: 403 (Permission denied)"},
		{"damaged", route{body: "garbage"}, "Error saving snapshot: verify snapshot: invalid snapshot archive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{"GET /v1/snapshot": tc.route})
			dir := t.TempDir()
			_, errOut, code := run(t, "snapshot", "save", "-http-addr", f.srv.URL, "-stale", filepath.Join(dir, "s.snap"))
			if code != 1 || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("save exited %d: %s", code, errOut)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("save left %d files behind", len(entries))
			}
			if r := f.last(t); r.query.Get("stale") != "" || !r.query.Has("stale") {
				t.Errorf("save sent %v, want ?stale", r.query)
			}
		})
	}
}

// fixedArchive writes a snapshot of a small, fixed state with fixed
// metadata, so inspect's output can be pinned.
func fixedArchive(t *testing.T) string {
	t.Helper()
	store, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	for i, node := range []string{"worker-01", "worker-02"} {
		reg := &state.Registration{Node: state.Node{Node: node, Address: "10.0.0.1"},
			Service: &state.Service{ID: "web", Name: "web", Port: 80}}
		if err := store.EnsureRegistration(uint64(1+i), reg); err != nil {
			t.Fatal(err)
		}
	}
	for i, key := range []string{"vault/core/lock", "vault/core/seal", "vault/sys/token", "config/app"} {
		req := &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: key, Value: bytes.Repeat([]byte("v"), 100*(i+1))}}
		if _, err := store.KVApply(uint64(3+i), req); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := fsm.New(store, nil).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	snaps := raft.NewInmemSnapshotStore()
	sink, err := snaps.Create(raft.SnapshotVersionMax, 6, 2, raft.Configuration{}, 1, nil)
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
	m := *meta
	m.ID = "2-6-1477944140022"
	var buf bytes.Buffer
	if err := snapshot.Write(&buf, &m, rc); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "fixed.snap")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestSnapshotInspect(t *testing.T) {
	file := fixedArchive(t)
	corrupt := filepath.Join(t.TempDir(), "corrupt.snap")
	b, _ := os.ReadFile(file)
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(corrupt, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"pretty", []string{file}, 0, ""},
		{"kvdetails", []string{"-kvdetails", file}, 0, ""},
		{"kvdetails filtered", []string{"-kvdetails", "-kvdepth", "3", "-kvfilter", "vault/core", file}, 0, ""},
		{"json", []string{"-format", "json", "-kvdetails", file}, 0, ""},
		{"corrupt", []string{corrupt}, 1, "Error inspecting snapshot: invalid snapshot archive"},
		{"missing file", []string{file + ".nope"}, 1, "Error opening snapshot file"},
		{"no file", nil, 1, "Missing FILE argument"},
		{"two files", []string{file, file}, 1, "Too many arguments (expected 1, got 2)"},
		{"bad format", []string{"-format", "yaml", file}, 1, `Invalid format "yaml"`},
		{"bad depth", []string{"-kvdetails", "-kvdepth", "0", file}, 1, "-kvdepth must be at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"snapshot", "inspect"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			mustContain(t, "stderr", errOut, tc.wantErr)
			if tc.code == 0 {
				golden(t, "snapshot_inspect_"+goldenName(tc.name), out)
			}
		})
	}
}

func TestSnapshotArgs(t *testing.T) {
	clearEnv(t)
	for _, sub := range []string{"save", "restore"} {
		if _, errOut, code := run(t, "snapshot", sub); code != 1 || !strings.Contains(errOut, "Missing FILE argument") {
			t.Errorf("%s without a file: exit %d, %q", sub, code, errOut)
		}
		out, _, code := run(t, "snapshot", sub, "-h")
		if code != 0 {
			t.Errorf("%s -h exited %d", sub, code)
		}
		mustContain(t, "help", out, "Usage: pylon snapshot "+sub+" [options] FILE")
	}
	if _, errOut, code := run(t, "snapshot", "restore", filepath.Join(t.TempDir(), "none")); code != 1 ||
		!strings.Contains(errOut, "Error opening snapshot file") {
		t.Errorf("restore of a missing file: exit %d, %q", code, errOut)
	}
	out, _, code := run(t, "snapshot", "-h")
	if code != 0 {
		t.Fatalf("snapshot -h exited %d", code)
	}
	for _, sub := range []string{"inspect", "restore", "save"} {
		mustContain(t, "snapshot help", out, "    "+sub+" ")
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {285, "285B"}, {1023, "1023B"}, {1024, "1KB"}, {1740, "1.7KB"}, {12595, "12.3KB"},
		{5 << 20, "5MB"}, {3 << 30, "3GB"}, {5 << 40, "5TB"}, {2048 << 40, "2048TB"},
	} {
		if got := byteSize(tc.n); got != tc.want {
			t.Errorf("byteSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
