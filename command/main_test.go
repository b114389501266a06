package command

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// route is a canned answer of the fake agent.
type route struct {
	status int // 0 means 200
	body   string
}

// seen is one request the fake agent received.
type seen struct {
	method, path string
	query        url.Values
	token        string
	body         string
}

// fakeAgent stands in for a Pylon agent's HTTP API: it answers from a
// table keyed by "METHOD /path" (404 otherwise) and records every request.
type fakeAgent struct {
	srv    *httptest.Server
	routes map[string]route

	mu   sync.Mutex
	reqs []seen
}

func newFakeAgent(t *testing.T, routes map[string]route) *fakeAgent {
	t.Helper()
	f := &fakeAgent{routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAgent) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.Query(), r.Header.Get("X-Consul-Token"), string(b)})
	f.mu.Unlock()
	rt, ok := f.routes[r.Method+" "+r.URL.Path]
	if !ok {
		http.Error(w, "no route "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	w.Header().Set("X-Consul-Index", "1")
	w.Header().Set("X-Consul-KnownLeader", "true")
	w.Header().Set("X-Consul-LastContact", "0")
	if rt.status != 0 {
		w.WriteHeader(rt.status)
	}
	_, _ = io.WriteString(w, rt.body)
}

// requests returns what the agent received so far.
func (f *fakeAgent) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// last returns the last request, failing the test if there was none.
func (f *fakeAgent) last(t *testing.T) seen {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the agent")
	}
	return reqs[len(reqs)-1]
}

// clearEnv unsets the variables the HTTP flags read.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "CONSUL_HTTP_TOKEN_FILE", "CONSUL_HTTP_SSL",
		"PYLON_HTTP_ADDR", "PYLON_HTTP_TOKEN", "PYLON_HTTP_TOKEN_FILE", "CONSUL_HTTP_AUTH"} {
		t.Setenv(k, "")
	}
}

// run executes the CLI and returns its output and exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// golden compares got with testdata/golden/<name>.golden, or rewrites the
// file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create): %v", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func mustContain(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s %q does not contain %q", what, s, sub)
	}
}
