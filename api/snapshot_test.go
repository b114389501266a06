package api

import (
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSnapshotSaveRequest(t *testing.T) {
	f := newFakeAgent(t, reply{header: map[string]string{"X-Consul-Index": "42", "X-Consul-KnownLeader": "true"},
		body: "archive bytes"})
	c := newTestClient(t, &Config{Address: f.srv.URL, Token: "client-token"})
	rc, qm, err := c.Snapshot().Save(&QueryOptions{AllowStale: true, Datacenter: "dc2", Token: "mgmt"})
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(body) != "archive bytes" {
		t.Fatalf("body = %q, %v", body, err)
	}
	if qm.LastIndex != 42 || !qm.KnownLeader {
		t.Errorf("meta = %+v", qm)
	}
	req := f.request()
	if req.method != http.MethodGet || req.path != "/v1/snapshot" ||
		!reflect.DeepEqual(req.query, q("stale", "", "dc", "dc2")) || req.header.Get("X-Consul-Token") != "mgmt" {
		t.Errorf("request = %s %s %v token %q", req.method, req.path, req.query, req.header.Get("X-Consul-Token"))
	}
}

func TestSnapshotRestoreRequest(t *testing.T) {
	cases := []struct {
		name    string
		reply   reply
		in      io.Reader
		wantErr string
	}{
		{"sized body", reply{}, strings.NewReader("archive"), ""},
		{"streamed body", reply{}, io.MultiReader(strings.NewReader("arch"), strings.NewReader("ive")), ""},
		{"refused", reply{status: 400, body: "invalid snapshot archive: checksum mismatch for state.bin\n"},
			strings.NewReader("archive"), "Unexpected response code: 400 (invalid snapshot archive: checksum mismatch for state.bin)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAgent(t, tc.reply)
			c := newTestClient(t, &Config{Address: f.srv.URL})
			err := c.Snapshot().Restore(&WriteOptions{Token: "mgmt"}, tc.in)
			if tc.wantErr != "" {
				var se StatusError
				if !errors.As(err, &se) || err.Error() != tc.wantErr {
					t.Fatalf("Restore = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Restore: %v", err)
			}
			req := f.request()
			if req.method != http.MethodPut || req.path != "/v1/snapshot" || string(req.body) != "archive" ||
				req.header.Get("X-Consul-Token") != "mgmt" || len(req.query) != 0 {
				t.Errorf("request = %s %s %v %q token %q", req.method, req.path, req.query, req.body, req.header.Get("X-Consul-Token"))
			}
		})
	}
}

// TestSnapshotSaveError: a refused save returns no stream.
func TestSnapshotSaveError(t *testing.T) {
	f := newFakeAgent(t, reply{status: 403, body: "Permission denied"})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	rc, qm, err := c.Snapshot().Save(&QueryOptions{WaitTime: time.Second})
	if rc != nil || qm != nil || err == nil || !strings.Contains(err.Error(), "403 (Permission denied)") {
		t.Fatalf("Save = %v, %v, %v", rc, qm, err)
	}
}
