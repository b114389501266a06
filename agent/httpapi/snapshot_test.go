package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	consul "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/snapshot"
	"github.com/pylonmesh/pylon/server/state"
)

// record sends one request to h and returns the recorded response.
func record(h http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, bytes.NewReader(body)))
	return w
}

func nodeNames(t *testing.T, h http.Handler) []string {
	t.Helper()
	w := record(h, http.MethodGet, "/v1/catalog/nodes", nil)
	var nodes []struct{ Node string }
	if err := json.Unmarshal(w.Body.Bytes(), &nodes); err != nil {
		t.Fatalf("nodes: %v: %s", err, w.Body)
	}
	var out []string
	for _, n := range nodes {
		out = append(out, n.Node)
	}
	return out
}

func TestSnapshotSaveAndRestoreOverHTTP(t *testing.T) {
	api, srv := testAPI(t, 2)
	h := api.Handler()
	w := record(h, http.MethodGet, "/v1/snapshot", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /v1/snapshot = %d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/x-gzip" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(w.Body.Len()) {
		t.Errorf("Content-Length = %q for %d bytes", cl, w.Body.Len())
	}
	archive := w.Body.Bytes()
	meta, err := snapshot.Verify(bytes.NewReader(archive), 0)
	if err != nil {
		t.Fatalf("archive does not verify: %v", err)
	}
	if got := w.Header().Get("X-Consul-Index"); got != strconv.FormatUint(meta.Index, 10) {
		t.Errorf("X-Consul-Index = %s, archive index %d", got, meta.Index)
	}
	want := nodeNames(t, h)

	// A blocking read of the node list, waiting past the next write.
	if _, err := srv.Register(context.Background(), &state.Registration{Node: state.Node{Node: "late", Address: "10.9.9.9"}}); err != nil {
		t.Fatal(err)
	}
	idx := record(h, http.MethodGet, "/v1/catalog/nodes", nil).Header().Get("X-Consul-Index")
	blocked := make(chan *httptest.ResponseRecorder, 1)
	go func() { blocked <- record(h, http.MethodGet, "/v1/catalog/nodes?wait=10m&index="+idx, nil) }()

	if w := record(h, http.MethodPut, "/v1/snapshot", archive); w.Code != http.StatusOK {
		t.Fatalf("PUT /v1/snapshot = %d %s", w.Code, w.Body)
	}
	if got := nodeNames(t, h); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("nodes after restore = %v, want %v", got, want)
	}
	b := <-blocked
	if b.Header().Get("X-Consul-Index") == idx || strings.Contains(b.Body.String(), "late") {
		t.Errorf("blocked read answered index %s (blocked on %s): %s", b.Header().Get("X-Consul-Index"), idx, b.Body)
	}
}

func TestSnapshotRestoreRefusedOverHTTP(t *testing.T) {
	api, _ := testAPI(t, 2)
	h := api.Handler()
	want := nodeNames(t, h)
	good := record(h, http.MethodGet, "/v1/snapshot", nil).Body.Bytes()
	cases := map[string][]byte{
		"not gzip":  []byte("hello"),
		"truncated": good[:len(good)-20],
		"empty":     nil,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			w := record(h, http.MethodPut, "/v1/snapshot", body)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "invalid snapshot archive") {
				t.Fatalf("PUT = %d %q, want 400 with the reason", w.Code, w.Body)
			}
			if got := nodeNames(t, h); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("nodes = %v, want %v", got, want)
			}
		})
	}
}

// noManagement is an authorizer that allows everything but management.
type noManagement struct{ acl.Authorizer }

func (noManagement) ACLWrite() bool { return false }

func TestSnapshotRequests(t *testing.T) {
	_, srv := testAPI(t, 1)
	denied := New(Config{Datacenter: "dc1", NodeName: "n"}, srv, nil,
		func(string) (acl.Authorizer, error) { return noManagement{acl.AllowAll()}, nil }, slog.New(slog.DiscardHandler))
	api := New(Config{Datacenter: "dc1", NodeName: "n"}, srv, nil, nil, slog.New(slog.DiscardHandler))
	cases := []struct {
		name   string
		h      http.Handler
		method string
		target string
		code   int
		body   string
	}{
		{"save without management", denied.Handler(), http.MethodGet, "/v1/snapshot", 403, "Permission denied"},
		{"restore without management", denied.Handler(), http.MethodPut, "/v1/snapshot", 403, "Permission denied"},
		{"stale", api.Handler(), http.MethodGet, "/v1/snapshot?stale", 200, ""},
		{"consistent", api.Handler(), http.MethodGet, "/v1/snapshot?consistent", 200, ""},
		{"stale and consistent", api.Handler(), http.MethodGet, "/v1/snapshot?stale&consistent", 400, "conflicting"},
		{"other datacenter", api.Handler(), http.MethodGet, "/v1/snapshot?dc=dc9", 500, "No path to datacenter"},
		{"restore to another datacenter", api.Handler(), http.MethodPut, "/v1/snapshot?dc=dc9", 500, "No path to datacenter"},
		{"delete", api.Handler(), http.MethodDelete, "/v1/snapshot", 405, "not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := record(tc.h, tc.method, tc.target, nil)
			if w.Code != tc.code || (tc.body != "" && !strings.Contains(w.Body.String(), tc.body)) {
				t.Fatalf("%s %s = %d %q, want %d %q", tc.method, tc.target, w.Code, w.Body, tc.code, tc.body)
			}
		})
	}
}

// TestSnapshotWithConsulClient: the official client's Snapshot().Save and
// Restore work unchanged.
func TestSnapshotWithConsulClient(t *testing.T) {
	api, srv := testAPI(t, 3)
	c := consulClient(t, api.Handler())
	rc, qm, err := c.Snapshot().Save(nil)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || qm.LastIndex == 0 {
		t.Fatalf("read archive: %v, index %d", err, qm.LastIndex)
	}
	if _, err := srv.Deregister(context.Background(), &state.Deregistration{Node: "node-0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	nodes, _, err := c.Catalog().Nodes(nil)
	if err != nil || len(nodes) != 3 {
		t.Fatalf("nodes after restore = %d, %v; want 3", len(nodes), err)
	}
	err = c.Snapshot().Restore(&consul.WriteOptions{}, strings.NewReader("not a snapshot"))
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("Restore(garbage) = %v, want a 400", err)
	}
}
