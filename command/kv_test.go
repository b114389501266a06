package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/api"
)

// kvRun runs `pylon <args...> -http-addr addr`, with the address flag
// placed right after the subcommand words.
func kvRun(t *testing.T, addr string, words int, args ...string) (string, string, int) {
	t.Helper()
	full := append(append(append([]string{}, args[:words]...), "-http-addr", addr), args[words:]...)
	return run(t, full...)
}

// mustRun runs a command that must succeed and returns its stdout.
func mustRun(t *testing.T, addr string, words int, args ...string) string {
	t.Helper()
	out, errOut, code := kvRun(t, addr, words, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errOut)
	}
	return out
}

func TestKVPutGetExportImportRoundTrip(t *testing.T) {
	addr, c := kvTestAgent(t)
	file := filepath.Join(t.TempDir(), "motd")
	if err := os.WriteFile(file, []byte("hello\nworld"), 0o600); err != nil {
		t.Fatal(err)
	}
	setStdin(t, "from stdin")

	puts := []struct {
		args []string
		key  string
		want string
	}{
		{[]string{"kv", "put", "app/literal", "5"}, "app/literal", "5"},
		{[]string{"kv", "put", "/app/file", "@" + file}, "app/file", "hello\nworld"},
		{[]string{"kv", "put", "app/stdin", "-"}, "app/stdin", "from stdin"},
		{[]string{"kv", "put", "app/dash", "-x"}, "app/dash", "-x"},
		{[]string{"kv", "put", "-base64", "app/bin", "AP8K"}, "app/bin", "\x00\xff\n"},
		{[]string{"kv", "put", "-flags=42", "app/empty"}, "app/empty", ""},
		{[]string{"kv", "put", "app/dir/"}, "app/dir/", ""},
	}
	for _, p := range puts {
		out := mustRun(t, addr, 2, p.args...)
		if out != "Success! Data written to: "+p.key+"\n" {
			t.Fatalf("%v: output %q", p.args, out)
		}
		pair, _, err := c.KV().Get(p.key, nil)
		if err != nil || pair == nil || string(pair.Value) != p.want {
			t.Fatalf("%v stored %+v %v", p.args, pair, err)
		}
	}

	if out := mustRun(t, addr, 2, "kv", "get", "app/file"); out != "hello\nworld\n" {
		t.Fatalf("get: %q", out)
	}
	if out := mustRun(t, addr, 2, "kv", "get", "-base64", "app/bin"); out != "AP8K\n" {
		t.Fatalf("get -base64: %q", out)
	}
	detailed := mustRun(t, addr, 2, "kv", "get", "-detailed", "app/empty")
	if !regexp.MustCompile(`(?m)^CreateIndex      \d+\nFlags            42\nKey              app/empty\nLockIndex        0\nModifyIndex      \d+\nSession          -\nValue            \n$`).MatchString(detailed) {
		t.Fatalf("get -detailed:\n%s", detailed)
	}
	if out := mustRun(t, addr, 2, "kv", "get", "-recurse", "app/l"); out != "app/literal:5\n" {
		t.Fatalf("get -recurse: %q", out)
	}
	if out := mustRun(t, addr, 2, "kv", "get", "-keys", "app/"); out != "app/bin\napp/dash\napp/dir/\napp/empty\napp/file\napp/literal\napp/stdin\n" {
		t.Fatalf("get -keys: %q", out)
	}
	if out := mustRun(t, addr, 2, "kv", "get", "-keys", "-separator=", ""); strings.Count(out, "\n") != 7 {
		t.Fatalf("get -keys of everything: %q", out)
	}

	exported := mustRun(t, addr, 2, "kv", "export", "app/")
	var entries []map[string]any
	if err := json.Unmarshal([]byte(exported), &entries); err != nil || len(entries) != 7 {
		t.Fatalf("export: %v\n%s", err, exported)
	}
	if !strings.Contains(exported, "\t{\n\t\t\"key\": \"app/bin\",\n\t\t\"flags\": 0,\n\t\t\"value\": \"AP8K\"\n\t}") {
		t.Fatalf("export format:\n%s", exported)
	}

	// Import the export under another prefix, from stdin, and compare.
	setStdin(t, exported)
	imported := mustRun(t, addr, 2, "kv", "import", "-prefix=copy/", "-")
	if strings.Count(imported, "Imported: copy/app/") != 7 {
		t.Fatalf("import output:\n%s", imported)
	}
	orig, _, _ := c.KV().List("app/", nil)
	copied, _, _ := c.KV().List("copy/app/", nil)
	if len(orig) != len(copied) {
		t.Fatalf("%d keys copied of %d", len(copied), len(orig))
	}
	for i := range orig {
		if copied[i].Key != "copy/"+orig[i].Key || string(copied[i].Value) != string(orig[i].Value) || copied[i].Flags != orig[i].Flags {
			t.Fatalf("copy %+v of %+v", copied[i], orig[i])
		}
	}

	out := mustRun(t, addr, 2, "kv", "delete", "-recurse", "copy/")
	if out != "Success! Deleted keys with prefix: copy/\n" {
		t.Fatalf("delete -recurse: %q", out)
	}
	if out := mustRun(t, addr, 2, "kv", "export", "copy/"); out != "[]\n" {
		t.Fatalf("export of nothing: %q", out)
	}
	_, errOut, code := kvRun(t, addr, 2, "kv", "get", "copy/app/bin")
	if code != 1 || errOut != "Error! No key exists at: copy/app/bin\n" {
		t.Fatalf("get of a deleted key: %d %q", code, errOut)
	}
}

func TestKVCASAndLocks(t *testing.T) {
	addr, c := kvTestAgent(t)
	mustRun(t, addr, 2, "kv", "put", "-cas", "-modify-index=0", "cfg", "first")
	_, errOut, code := kvRun(t, addr, 2, "kv", "put", "-cas", "-modify-index=0", "cfg", "second")
	if code != 1 || errOut != "Error! Did not write to cfg: CAS failed\n" {
		t.Fatalf("create-only cas on an existing key: %d %q", code, errOut)
	}
	pair, _, _ := c.KV().Get("cfg", nil)
	idx := pair.ModifyIndex
	if out := mustRun(t, addr, 2, "kv", "put", "-cas", "-modify-index="+u64(idx), "cfg", "third"); out != "Success! Data written to: cfg\n" {
		t.Fatalf("cas: %q", out)
	}
	_, errOut, code = kvRun(t, addr, 2, "kv", "delete", "-cas", "-modify-index="+u64(idx), "cfg")
	if code != 1 || errOut != "Error! Did not delete key cfg: CAS failed\n" {
		t.Fatalf("stale delete-cas: %d %q", code, errOut)
	}
	pair, _, _ = c.KV().Get("cfg", nil)
	if out := mustRun(t, addr, 2, "kv", "delete", "-cas", "-modify-index="+u64(pair.ModifyIndex), "cfg"); out != "Success! Deleted key: cfg\n" {
		t.Fatalf("delete -cas: %q", out)
	}

	s1, _, err := c.Session().CreateNoChecks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := c.Session().CreateNoChecks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, addr, 2, "kv", "put", "-acquire", "-session="+s1, "leader", "me"); out != "Success! Lock acquired on: leader\n" {
		t.Fatalf("acquire: %q", out)
	}
	_, errOut, code = kvRun(t, addr, 2, "kv", "put", "-acquire", "-session="+s2, "leader", "you")
	if code != 1 || errOut != "Error! Failed to acquire lock\n" {
		t.Fatalf("acquire of a held key: %d %q", code, errOut)
	}
	_, errOut, code = kvRun(t, addr, 2, "kv", "put", "-release", "-session="+s2, "leader")
	if code != 1 || errOut != "Error! Failed to release lock\n" {
		t.Fatalf("release by a non-holder: %d %q", code, errOut)
	}
	if out := mustRun(t, addr, 2, "kv", "put", "-release", "-session="+s1, "leader", "done"); out != "Success! Lock released on: leader\n" {
		t.Fatalf("release: %q", out)
	}
	if out := mustRun(t, addr, 2, "kv", "get", "-detailed", "leader"); !strings.Contains(out, "LockIndex        1\n") || !strings.Contains(out, "Session          -\n") {
		t.Fatalf("released key:\n%s", out)
	}
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// TestKVBadArguments needs no agent: every case fails before a request.
func TestKVBadArguments(t *testing.T) {
	clearEnv(t)
	addr := "127.0.0.1:1" // nothing listens; a request would fail differently
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"kv", "get"}, "Error! Missing KEY argument"},
		{[]string{"kv", "get", "a", "b"}, "Too many arguments (expected 1, got 2)"},
		{[]string{"kv", "get", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"kv", "put"}, "Error! Missing KEY argument"},
		{[]string{"kv", "put", "/"}, "Error! Missing KEY argument"},
		{[]string{"kv", "put", "k", "v", "extra"}, "Too many arguments (expected 1 or 2, got 3)"},
		{[]string{"kv", "put", "-cas", "k", "v"}, "Error! Missing -modify-index (required with -cas)"},
		{[]string{"kv", "put", "-modify-index=3", "k", "v"}, "Error! Cannot specify -modify-index without -cas"},
		{[]string{"kv", "put", "-acquire", "k"}, "Error! Missing -session (required with -acquire and -release)"},
		{[]string{"kv", "put", "-release", "k"}, "Error! Missing -session (required with -acquire and -release)"},
		{[]string{"kv", "put", "-session=s", "k"}, "Error! Cannot specify -session without -acquire or -release"},
		{[]string{"kv", "put", "-acquire", "-release", "-session=s", "k"}, "Error! Only one of -cas, -acquire and -release may be given"},
		{[]string{"kv", "put", "-base64", "k", "!!!"}, "Error! Cannot base 64 decode data"},
		{[]string{"kv", "put", "k", "@"}, "Error! missing file name after @"},
		{[]string{"kv", "put", "k", "@/no/such/file"}, "Error! failed to read file"},
		{[]string{"kv", "put", "-flags=-1", "k"}, `invalid value "-1" for flag -flags`},
		{[]string{"kv", "delete"}, "Error! Missing KEY argument"},
		{[]string{"kv", "delete", "-cas", "k"}, "Must specify -modify-index with -cas!"},
		{[]string{"kv", "delete", "-modify-index=2", "k"}, "Cannot specify -modify-index without -cas!"},
		{[]string{"kv", "delete", "-recurse", "-cas", "-modify-index=2", "k"}, "Cannot specify both -cas and -recurse!"},
		{[]string{"kv", "export", "a", "b"}, "Too many arguments (expected 1, got 2)"},
		{[]string{"kv", "import"}, "Error! Missing DATA argument"},
		{[]string{"kv", "import", "a", "b"}, "Too many arguments (expected 1, got 2)"},
		{[]string{"kv", "import", "not json"}, "Error! cannot unmarshal data"},
		{[]string{"kv", "import", `[{"key":"a","value":"!"}]`}, "Error! base64 decoding failed for a"},
		{[]string{"kv", "import", `[{"flags":1,"value":""}]`}, "Error! entry 0: missing key"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := kvRun(t, addr, 2, tt.args...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
		})
	}
}

func TestKVHelp(t *testing.T) {
	for _, sub := range []string{"get", "put", "delete", "export", "import"} {
		out, _, code := run(t, "kv", sub, "-h")
		if code != 0 {
			t.Fatalf("kv %s -h: exit %d", sub, code)
		}
		mustContain(t, "help", out, "Usage: pylon kv "+sub)
	}
	out, _, code := run(t, "kv", "-h")
	if code != 0 {
		t.Fatalf("kv -h: exit %d", code)
	}
	mustContain(t, "kv help", out, "import    Imports a tree stored as JSON to the KV store")
}

// TestKVUsesEnvironmentAddress checks that the KV commands honour
// CONSUL_HTTP_ADDR and PYLON_HTTP_ADDR like the other commands.
func TestKVUsesEnvironmentAddress(t *testing.T) {
	addr, c := kvTestAgent(t)
	if _, err := c.KV().Put(&api.KVPair{Key: "env", Value: []byte("yes")}, nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"CONSUL_HTTP_ADDR", "PYLON_HTTP_ADDR"} {
		t.Run(v, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(v, addr)
			out, errOut, code := run(t, "kv", "get", "env")
			if code != 0 || out != "yes\n" {
				t.Fatalf("exit %d out %q err %q", code, out, errOut)
			}
		})
	}
}
