package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reply is what the fake agent answers.
type reply struct {
	status int // 0 means 200
	header map[string]string
	body   string
}

// captured is the last request the fake agent saw.
type captured struct {
	method string
	path   string
	query  url.Values
	header http.Header
	body   []byte
}

// fakeAgent is an httptest server that records each request and answers
// with a canned reply.
type fakeAgent struct {
	srv *httptest.Server

	mu   sync.Mutex
	last *captured
	n    int
}

func newFakeAgent(t *testing.T, rep reply) *fakeAgent {
	t.Helper()
	f := &fakeAgent{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.last = &captured{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: b}
		f.n++
		f.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if rep.status != 0 {
			w.WriteHeader(rep.status)
		}
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// request returns the last request seen, or nil.
func (f *fakeAgent) request() *captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// newTestClient returns a client for addr whose idle connections are
// closed when the test ends.
func newTestClient(t *testing.T, cfg *Config) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.http.CloseIdleConnections)
	return c
}

// apiCase is one client call against the fake agent: what it must send and
// what it must return.
type apiCase struct {
	name  string
	reply reply
	call  func(c *Client) (any, error)

	method string
	path   string
	query  url.Values // nil means no query parameters
	token  string     // expected X-Consul-Token
	body   string     // expected JSON body; "" means none

	want    any    // expected result
	wantErr string // substring of the expected error
	noCall  bool   // the call must fail before sending anything
}

func runCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAgent(t, tc.reply)
			c := newTestClient(t, &Config{Address: f.srv.URL})
			got, err := tc.call(c)
			checkResult(t, tc, got, err)
			checkRequest(t, tc, f.request())
		})
	}
}

func checkResult(t *testing.T, tc apiCase, got any, err error) {
	t.Helper()
	if tc.wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
		t.Fatalf("result:\n got  %s\n want %s", dump(got), dump(tc.want))
	}
}

func checkRequest(t *testing.T, tc apiCase, req *captured) {
	t.Helper()
	if tc.noCall {
		if req != nil {
			t.Fatalf("request sent: %s %s", req.method, req.path)
		}
		return
	}
	if req == nil {
		t.Fatal("no request reached the agent")
	}
	if req.method != tc.method || req.path != tc.path {
		t.Fatalf("request = %s %s, want %s %s", req.method, req.path, tc.method, tc.path)
	}
	wantQ := tc.query
	if wantQ == nil {
		wantQ = url.Values{}
	}
	if !reflect.DeepEqual(req.query, wantQ) {
		t.Fatalf("query = %v, want %v", req.query, wantQ)
	}
	if got := req.header.Get("X-Consul-Token"); got != tc.token {
		t.Fatalf("X-Consul-Token = %q, want %q", got, tc.token)
	}
	if tc.body == "" {
		if len(req.body) != 0 {
			t.Fatalf("unexpected body %s", req.body)
		}
		return
	}
	assertJSONEqual(t, req.body, []byte(tc.body))
	if ct := req.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
}

// assertJSONEqual compares two JSON documents ignoring key order and space.
func assertJSONEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs:\n got  %s\n want %s", compact(got), compact(want))
	}
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// q builds url.Values from key, value pairs.
func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
