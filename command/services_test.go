package command

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
)

func TestServicesRegister(t *testing.T) {
	dir := filepath.Join("testdata", "services")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErr    string
		wantBodies []string // JSON bodies of the register calls, in order
		wantTokens []string
	}{
		{"flags", []string{"-name", "web", "-id", "web-9", "-address", "10.0.0.5", "-port", "80", "-tag", "a", "-tag", "b", "-meta", "k=v"},
			0, "Registered service: web\n", "",
			[]string{`{"ID":"web-9","Name":"web","Tags":["a","b"],"Port":80,"Address":"10.0.0.5","Meta":{"k":"v"},"Check":null,"Checks":null}`},
			[]string{""}},
		{"hcl file", []string{filepath.Join(dir, "web.hcl")}, 0, "Registered service: web\n", "",
			[]string{`{"ID":"web-1","Name":"web","Tags":["v1"],"Port":8080,"Meta":{"version":"1.2"},"Check":null,
				"Checks":[{"HTTP":"http://127.0.0.1:8080/health","Interval":"10s","Timeout":"1s"}]}`},
			[]string{""}},
		{"json file with two services", []string{filepath.Join(dir, "multi.json")}, 0,
			"Registered service: api\nRegistered service: db\n", "",
			[]string{`{"Name":"api","Port":9090,"Check":null,"Checks":null}`,
				`{"ID":"db-1","Name":"db","Port":5432,"Check":null,"Checks":[{"TCP":"127.0.0.1:5432","Interval":"5s"}]}`},
			[]string{"", "db-token"}},
		{"no name", []string{"-port", "80"}, 1, "", "Service name must be specified", nil, nil},
		{"flags and file", []string{"-name", "web", filepath.Join(dir, "web.hcl")}, 1, "", "cannot be combined", nil, nil},
		{"bad file", []string{filepath.Join("testdata", "validate", "bad_syntax.hcl")}, 1, "", "Error loading service definitions", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{"PUT /v1/agent/service/register": {}})
			out, errOut, code := run(t, append([]string{"services", "register", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			reqs := f.requests()
			if len(reqs) != len(tt.wantBodies) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.wantBodies))
			}
			for i, r := range reqs {
				if r.method != "PUT" || r.path != "/v1/agent/service/register" || r.token != tt.wantTokens[i] {
					t.Fatalf("request %d: %s %s token %q", i, r.method, r.path, r.token)
				}
				jsonEqual(t, r.body, tt.wantBodies[i])
			}
		})
	}
}

func TestServicesDeregister(t *testing.T) {
	dir := filepath.Join("testdata", "services")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
		wantIDs  []string
	}{
		{"by id", []string{"-id", "web-1"}, 0, "Deregistered service: web-1\n", "", []string{"web-1"}},
		{"by file", []string{filepath.Join(dir, "multi.json")}, 0, "Deregistered service: api\nDeregistered service: db-1\n", "",
			[]string{"api", "db-1"}},
		{"unknown id", []string{"-id", "ghost"}, 1, "", `Error deregistering service "ghost": Unexpected response code: 404`, []string{"ghost"}},
		{"nothing given", nil, 1, "", "Either -id or a service definition file must be given", nil},
		{"both given", []string{"-id", "x", filepath.Join(dir, "web.hcl")}, 1, "", "Only one of -id", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{
				"PUT /v1/agent/service/deregister/web-1": {},
				"PUT /v1/agent/service/deregister/api":   {},
				"PUT /v1/agent/service/deregister/db-1":  {},
			})
			out, errOut, code := run(t, append([]string{"services", "deregister", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			var ids []string
			for _, r := range f.requests() {
				ids = append(ids, filepath.Base(r.path))
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Fatalf("deregistered %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		var c bytes.Buffer
		_ = json.Compact(&c, []byte(want))
		t.Fatalf("body\n got  %s\n want %s", got, c.String())
	}
}
