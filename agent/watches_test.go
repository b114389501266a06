package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
)

// countingHandler is a script that saves each stdin it gets as
// <dir>/<n>.json, n counting from 0, and the index as <dir>/<n>.index.
const countingHandler = `n=$(ls "$0" | grep -c 'json$'); echo "$CONSUL_INDEX" > "$0/$n.index"; cat > "$0/$n.tmp" && mv "$0/$n.tmp" "$0/$n.json"`

// watchConfig writes a config file with one event watch on name whose
// handler saves its calls under dir.
func watchConfig(t *testing.T, file, name, dir string) {
	t.Helper()
	body := fmt.Sprintf(`watches = [{ type = "event", name = %q, args = ["/bin/sh", "-c", %q, %q] }]`, name, countingHandler, dir)
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// handlerCall waits for the n-th call of a counting handler and returns
// the events it got.
func handlerCall(t *testing.T, dir string, n int) []*consulapi.UserEvent {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%d.json", n))
	var b []byte
	eventually(t, path, func() bool {
		var err error
		b, err = os.ReadFile(path)
		return err == nil
	})
	var events []*consulapi.UserEvent
	if err := json.Unmarshal(b, &events); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
	return events
}

func calls(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func fire(t *testing.T, cl *consulapi.Client, name string) {
	t.Helper()
	if _, _, err := cl.Event().Fire(&consulapi.UserEvent{Name: name, Payload: []byte(name)}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestConfigWatchRunsAndIsReplacedOnReload: a watch of the config file
// runs once the agent is up (its first call at start), fires on a change,
// and a reload replaces it with the new file's watch.
func TestConfigWatchRunsAndIsReplacedOnReload(t *testing.T) {
	tmp := t.TempDir()
	dirA, dirB := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(tmp, "watches.hcl")
	watchConfig(t, file, "alpha", dirA)
	a, cl := testAgent(t, "-config-file", file)

	if got := handlerCall(t, dirA, 0); len(got) != 0 {
		t.Fatalf("first call = %+v, want no events", got)
	}
	if idx, _ := os.ReadFile(filepath.Join(dirA, "0.index")); strings.TrimSpace(string(idx)) != "1" {
		t.Fatalf("CONSUL_INDEX at start = %q, want 1 (no events yet)", idx)
	}
	fire(t, cl, "alpha")
	if got := handlerCall(t, dirA, 1); len(got) != 1 || got[0].Name != "alpha" {
		t.Fatalf("after firing alpha = %+v", got)
	}

	a.watches.mu.Lock()
	old := a.watches.plans
	a.watches.mu.Unlock()
	watchConfig(t, file, "beta", dirB)
	if err := a.ReloadConfig(); err != nil {
		t.Fatal(err)
	}
	if len(old) != 1 || !old[0].IsStopped() {
		t.Fatalf("the old watch is still running: %v", old)
	}
	a.watches.mu.Lock()
	plans := a.watches.plans
	a.watches.mu.Unlock()
	if len(plans) != 1 || plans[0] == old[0] || plans[0].Type != "event" {
		t.Fatalf("plans after reload = %v", plans)
	}
	handlerCall(t, dirB, 0)
	fire(t, cl, "alpha")
	fire(t, cl, "beta")
	if got := handlerCall(t, dirB, 1); len(got) != 1 || got[0].Name != "beta" {
		t.Fatalf("beta after reload = %+v", got)
	}
	if n := calls(t, dirA); n != 2 {
		t.Fatalf("the replaced watch ran %d times, want 2 (before the reload)", n)
	}
}

// TestConfigWatchHTTPHandler posts to the configured endpoint.
func TestConfigWatchHTTPHandler(t *testing.T) {
	got := make(chan string, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Method + " " + r.Header.Get("X-Consul-Index") + " " + string(b)
	}))
	defer hook.Close()
	file := filepath.Join(t.TempDir(), "w.json")
	body := fmt.Sprintf(`{"watches": [{"type": "event", "name": "deploy", "handler_type": "http",
		"http_handler_config": {"path": %q, "method": "PUT"}}]}`, hook.URL+"/hook")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, cl := testAgent(t, "-config-file", file)
	if first := receive(t, got); first != "PUT 1 []" {
		t.Fatalf("first post = %q", first)
	}
	fire(t, cl, "deploy")
	if second := receive(t, got); !strings.HasPrefix(second, "PUT ") || !strings.Contains(second, `"Name":"deploy"`) {
		t.Fatalf("second post = %q", second)
	}
}

// receive waits for the next post; the deadline only keeps a broken watch
// from hanging the suite.
func receive(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("the HTTP handler did not post")
	}
	return ""
}

// TestShutdownStopsRunningHandler: a handler that never ends does not
// hold up Shutdown, and no goroutine is left (TestMain checks).
func TestShutdownStopsRunningHandler(t *testing.T) {
	tmp := t.TempDir()
	started := filepath.Join(tmp, "started")
	file := filepath.Join(tmp, "w.hcl")
	body := fmt.Sprintf(`watches = [{ type = "nodes", args = ["/bin/sh", "-c", "touch \"$0\"; exec sleep 600", %q] }]`, started)
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	a, _ := testAgent(t, "-config-file", file)
	eventually(t, "the handler to start", func() bool {
		_, err := os.Stat(started)
		return err == nil
	})
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestWatchClientAddress(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{in: "127.0.0.1:8500", want: "127.0.0.1:8500"},
		{in: "0.0.0.0:8500", want: "127.0.0.1:8500"},
		{in: "[::]:8500", want: "[::1]:8500"},
		{in: "10.1.2.3:1", want: "10.1.2.3:1"},
		{in: "", err: "HTTP API"},
		{in: "nonsense", err: "http address"},
	}
	for _, tc := range cases {
		c, err := watchClient(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || c.Config().Address != tc.want {
			t.Errorf("%q: address %v, %v; want %s", tc.in, c, err, tc.want)
		}
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := &limitedBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if b.String() != "abcde" {
		t.Fatalf("kept %q, want abcde", b.String())
	}
}
