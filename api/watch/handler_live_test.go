package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api/watch"
)

// waitFile polls for a file a handler writes and returns its contents.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handler did not write %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// handlerScript writes "$CONSUL_INDEX $PYLON_INDEX" and then its stdin to
// the file named by its first argument, atomically.
const handlerScript = `{ echo "$CONSUL_INDEX $PYLON_INDEX"; cat; } > "$0.tmp" && mv "$0.tmp" "$0"`

// TestScriptHandlerGetsJSONAndIndex runs a watch definition with args, as
// an agent config has it: the program gets the services as JSON on stdin
// and the index in its environment.
func TestScriptHandlerGetsJSONAndIndex(t *testing.T) {
	c := liveAgent(t)
	out := filepath.Join(t.TempDir(), "out")
	p, err := watch.Parse(map[string]any{"type": "services", "args": []any{"/bin/sh", "-c", handlerScript, out}})
	if err != nil {
		t.Fatal(err)
	}
	runPlan(t, p, c)
	first, body, _ := bytes.Cut(waitFile(t, out), []byte("\n"))
	idx := strings.Fields(string(first))
	if len(idx) != 2 || idx[0] != idx[1] || idx[0] == "0" {
		t.Fatalf("index line %q, want the same non-zero index twice", first)
	}
	var services map[string][]string
	if err := json.Unmarshal(body, &services); err != nil {
		t.Fatalf("stdin is not the services JSON: %v: %s", err, body)
	}
	_, metaIdx, err := c.Catalog().Services(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.ParseUint(idx[0], 10, 64); n == 0 || n > metaIdx.LastIndex {
		t.Fatalf("CONSUL_INDEX %d, catalog index now %d", n, metaIdx.LastIndex)
	}
}

// TestShellHandler runs the older `handler` string through the shell.
func TestShellHandler(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	h := &watch.ScriptHandler{Shell: "cat > " + out + " && echo CONSUL_INDEX=$CONSUL_INDEX >> " + out}
	if err := h.Handle(context.Background(), 42, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := string(waitFile(t, out)), "{\"a\":1}\nCONSUL_INDEX=42\n"; got != want {
		t.Fatalf("handler wrote %q, want %q", got, want)
	}
}

func TestScriptHandlerFailure(t *testing.T) {
	var stderr bytes.Buffer
	h := &watch.ScriptHandler{Args: []string{"/bin/sh", "-c", "echo oops >&2; exit 3"}, Stderr: &stderr}
	err := h.Handle(context.Background(), 1, nil)
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 || stderr.String() != "oops\n" {
		t.Fatalf("error %v, stderr %q", err, stderr.String())
	}
	h = &watch.ScriptHandler{Args: []string{filepath.Join(t.TempDir(), "missing")}}
	if err := h.Handle(context.Background(), 1, nil); err == nil {
		t.Fatal("a missing program did not fail")
	}
}

// TestStopKillsRunningHandler: Stop ends a handler that would run for
// ever, and Run returns.
func TestStopKillsRunningHandler(t *testing.T) {
	c := liveAgent(t)
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	p, err := watch.Parse(map[string]any{"type": "nodes", "args": []any{"/bin/sh", "-c", `touch "$0"; exec sleep 600`, started}})
	if err != nil {
		t.Fatal(err)
	}
	p.Logger = quietLogger()
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), c) }()
	waitFile(t, started)
	p.Stop()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// hookRequest is what the HTTP handler's endpoint received.
type hookRequest struct {
	method string
	header http.Header
	body   []byte
}

func TestHTTPHandlerPosts(t *testing.T) {
	c := liveAgent(t)
	got := make(chan hookRequest, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- hookRequest{r.Method, r.Header.Clone(), b}
	}))
	defer hook.Close()
	p, err := watch.Parse(map[string]any{
		"type": "services", "handler_type": "http",
		"http_handler_config": map[string]any{
			"path": hook.URL + "/watch", "header": map[string]any{"x-team": []any{"infra"}}, "timeout": "5s",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	runPlan(t, p, c)
	var req hookRequest
	select {
	case req = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the HTTP handler did not post")
	}
	if req.method != http.MethodPost || req.header.Get("X-Team") != "infra" ||
		req.header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %v", req.method, req.header)
	}
	idx := req.header.Get("X-Consul-Index")
	if idx == "" || idx == "0" || req.header.Get("X-Pylon-Index") != idx {
		t.Fatalf("index headers %q %q", idx, req.header.Get("X-Pylon-Index"))
	}
	var services map[string][]string
	if err := json.Unmarshal(req.body, &services); err != nil {
		t.Fatalf("body is not the services JSON: %v: %s", err, req.body)
	}
}

func TestHTTPHandlerErrorStatus(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusTeapot)
	}))
	defer hook.Close()
	h := &watch.HTTPHandler{URL: hook.URL, Method: http.MethodPut}
	defer h.CloseIdleConnections()
	err := h.Handle(context.Background(), 1, []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "418") {
		t.Fatalf("error = %v, want the 418 status", err)
	}
}
