package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
)

// watchRun is a pylon watch running in the background.
type watchRun struct {
	out  syncBuffer
	sigs chan os.Signal
	done chan int
}

func startWatch(t *testing.T, args ...string) *watchRun {
	t.Helper()
	r := &watchRun{sigs: make(chan os.Signal, 1), done: make(chan int, 1)}
	go func() { r.done <- watchMain(&ui{out: &r.out, err: &r.out}, args, r.sigs) }()
	t.Cleanup(func() {
		select {
		case r.sigs <- syscall.SIGTERM:
		default:
		}
		<-r.done
	})
	return r
}

// waitOutput polls the output until it holds want.
func (r *watchRun) waitOutput(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(r.out.String(), want) {
		select {
		case code := <-r.done:
			r.done <- code
			t.Fatalf("pylon watch exited with %d before printing %q:\n%s", code, want, r.out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, r.out.String())
		}
	}
}

// stop sends SIGINT and returns the exit code.
func (r *watchRun) stop(t *testing.T) int {
	t.Helper()
	r.sigs <- syscall.SIGINT
	code := <-r.done
	r.done <- code
	return code
}

func fireEvent(t *testing.T, c *api.Client, name, payload string) {
	t.Helper()
	if _, _, err := c.Event().Fire(&api.UserEvent{Name: name, Payload: []byte(payload)}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestWatchPrintsJSONOnce: without a handler the current view is printed
// and the command exits, as consul watch does.
func TestWatchPrintsJSONOnce(t *testing.T) {
	addr, c := kvTestAgent(t)
	fireEvent(t, c, "deploy", "v1")
	stdout, stderr, code := run(t, "watch", "-http-addr="+addr, "-type=event", "-name=deploy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var events []*api.UserEvent
	if err := json.Unmarshal([]byte(stdout), &events); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(events) != 1 || events[0].Name != "deploy" || string(events[0].Payload) != "v1" {
		t.Fatalf("events = %+v", events)
	}
	mustContain(t, "output", stdout, "\n    {") // indented as consul watch does
}

// TestWatchFollow prints every change until interrupted.
func TestWatchFollow(t *testing.T) {
	addr, c := kvTestAgent(t)
	r := startWatch(t, "-http-addr="+addr, "-type=event", "-name=deploy", "-follow")
	r.waitOutput(t, "[]")
	fireEvent(t, c, "deploy", "v2")
	r.waitOutput(t, `"Payload": "djI="`) // base64 of v2
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d after SIGINT:\n%s", code, r.out.String())
	}
}

// TestWatchRunsHandler: the handler gets the view on stdin and the index
// in its environment, once at start and again per change; its output is
// the command's.
func TestWatchRunsHandler(t *testing.T) {
	addr, c := kvTestAgent(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "h.sh")
	writeScript(t, script, `n=$(ls "$0".d 2>/dev/null | wc -l); mkdir -p "$0".d; cat > "$0".d/$n.json; echo "ran $n index=$CONSUL_INDEX pylon=$PYLON_INDEX"`)
	r := startWatch(t, "-http-addr="+addr, "-type=event", "-name=deploy", "/bin/sh", script)
	r.waitOutput(t, "ran 0 index=1 pylon=1")
	fireEvent(t, c, "deploy", "v3")
	r.waitOutput(t, "ran 1 index=")
	b, err := os.ReadFile(script + ".d/1.json")
	if err != nil {
		t.Fatal(err)
	}
	var events []*api.UserEvent
	if err := json.Unmarshal(b, &events); err != nil || len(events) != 1 || string(events[0].Payload) != "v3" {
		t.Fatalf("handler stdin %s: %v", b, err)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.out.String())
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestWatchHandlerFailureExits1, with and without the shell.
func TestWatchHandlerFailureExits1(t *testing.T) {
	addr, _ := kvTestAgent(t)
	for _, args := range [][]string{
		{"-type=services", "exit 3"},
		{"-type=services", "-shell=false", "/bin/sh", "-c", "exit 3"},
	} {
		_, stderr, code := run(t, append([]string{"watch", "-http-addr=" + addr}, args...)...)
		if code != 1 {
			t.Fatalf("%v: exit %d, want 1: %s", args, code, stderr)
		}
		mustContain(t, "stderr", stderr, "Error running the handler")
	}
}

func TestWatchBadArguments(t *testing.T) {
	clearEnv(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "watch: type: missing parameter"},
		{[]string{"-type=roots"}, `unknown watch type: "roots"`},
		{[]string{"-type=services", "-key=a"}, "watch: key: unknown parameter"},
		{[]string{"-type=key"}, "a key watch needs key"},
		{[]string{"-type=checks", "-service=a", "-state=passing"}, "not both"},
		{[]string{"-type=services", "-http-addr=127.0.0.1:1"}, "Error querying the Pylon agent"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		_, stderr, code := run(t, append([]string{"watch"}, tc.args...)...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", tc.args, code)
		}
		mustContain(t, "stderr", stderr, tc.want)
	}
	stdout, _, code := run(t, "watch", "-h")
	if code != 0 || !strings.Contains(stdout, "Usage: pylon watch") || !strings.Contains(stdout, "-passingonly") {
		t.Fatalf("help: exit %d\n%s", code, stdout)
	}
}

// TestWatchDefinitionFromFlags: only the flags given are in the
// definition, -tag repeats into a list, -stale becomes "stale".
func TestWatchDefinitionFromFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-type=nodes"}, `{"type":"nodes"}`},
		{[]string{"-type=service", "-service=web", "-tag=a", "-tag=b", "-passingonly"},
			`{"passingonly":true,"service":"web","tag":["a","b"],"type":"service"}`},
		{[]string{"-type=service", "-passingonly=false", "-stale", "-filter=x"},
			`{"filter":"x","passingonly":false,"stale":true,"type":"service"}`},
		{[]string{"-type=key", "-key=", "-token=t", "-datacenter=dc2"}, `{"key":"","type":"key"}`},
	}
	for _, tc := range cases {
		var h httpFlags
		var tags listFlag
		fs := newWatchFlagSet(&h, &watchConfig{}, &tags)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(watchDefinition(fs, tags, h.stale))
		if string(b) != tc.want {
			t.Errorf("%v: definition %s, want %s", tc.args, b, tc.want)
		}
	}
}

// TestWatchKeyFollow: a key watch prints the pair at start and again when
// the key changes, not when another key does.
func TestWatchKeyFollow(t *testing.T) {
	addr, c := kvTestAgent(t)
	put := func(k, v string) {
		t.Helper()
		if _, err := c.KV().Put(&api.KVPair{Key: k, Value: []byte(v)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	put("app/color", "red")
	r := startWatch(t, "-http-addr="+addr, "-type=key", "-key=app/color", "-follow")
	r.waitOutput(t, `"Value": "cmVk"`) // red
	put("app/size", "large")
	put("app/color", "blue")
	r.waitOutput(t, `"Value": "Ymx1ZQ=="`) // blue
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := strings.Count(r.out.String(), `"Key": "app/`); n != 2 {
		t.Fatalf("%d results printed, want 2:\n%s", n, r.out.String())
	}
}
