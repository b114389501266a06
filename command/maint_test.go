package command

import (
	"net/url"
	"reflect"
	"testing"
)

func TestMaint(t *testing.T) {
	checks := `{
 "_node_maintenance":{"Node":"n1","CheckID":"_node_maintenance","Status":"critical","Notes":"kernel upgrade"},
 "_service_maintenance:web":{"Node":"n1","CheckID":"_service_maintenance:web","ServiceID":"web","Notes":"deploy"},
 "_service_maintenance:api":{"Node":"n1","CheckID":"_service_maintenance:api","ServiceID":"api","Notes":"migration"},
 "service:web":{"Node":"n1","CheckID":"service:web","ServiceID":"web","Status":"passing"}}`
	routes := map[string]route{
		"GET /v1/agent/checks":                   {body: checks},
		"PUT /v1/agent/maintenance":              {},
		"PUT /v1/agent/service/maintenance/web":  {},
		"PUT /v1/agent/service/maintenance/nope": {status: 404, body: "Unknown service ID \"nope\""},
	}
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string
		wantErr   string
		wantReq   string // "METHOD path", "" for no request
		wantQuery url.Values
	}{
		{"list", nil, 0, "", "", "GET /v1/agent/checks", url.Values{}},
		{"enable node", []string{"-enable", "-reason", "kernel upgrade"}, 0, "Node entered maintenance mode\n", "",
			"PUT /v1/agent/maintenance", url.Values{"enable": {"true"}, "reason": {"kernel upgrade"}}},
		{"disable node", []string{"-disable"}, 0, "Node left maintenance mode\n", "",
			"PUT /v1/agent/maintenance", url.Values{"enable": {"false"}}},
		{"enable service", []string{"-enable", "-service", "web"}, 0, "Service entered maintenance mode\n", "",
			"PUT /v1/agent/service/maintenance/web", url.Values{"enable": {"true"}, "reason": {""}}},
		{"disable service", []string{"-disable", "-service", "web"}, 0, "Service left maintenance mode\n", "",
			"PUT /v1/agent/service/maintenance/web", url.Values{"enable": {"false"}}},
		{"unknown service", []string{"-enable", "-service", "nope"}, 1, "", `Error toggling maintenance mode: Unexpected response code: 404 (Unknown service ID "nope")`,
			"PUT /v1/agent/service/maintenance/nope", url.Values{"enable": {"true"}, "reason": {""}}},
		{"both flags", []string{"-enable", "-disable"}, 1, "", "Only one of -enable or -disable may be provided", "", nil},
		{"service alone", []string{"-service", "web"}, 1, "", "Service requires either -enable or -disable", "", nil},
		{"reason without enable", []string{"-disable", "-reason", "x"}, 1, "", "Reason may only be provided with -enable", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, routes)
			out, errOut, code := run(t, append([]string{"maint", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			if tt.name == "list" {
				golden(t, "maint_list", out)
			} else if out != tt.wantOut {
				t.Fatalf("stdout %q, want %q", out, tt.wantOut)
			}
			reqs := f.requests()
			if tt.wantReq == "" {
				if len(reqs) != 0 {
					t.Fatalf("unexpected request %+v", reqs[0])
				}
				return
			}
			r := f.last(t)
			if r.method+" "+r.path != tt.wantReq || !reflect.DeepEqual(r.query, tt.wantQuery) {
				t.Fatalf("request %s %s %v, want %s %v", r.method, r.path, r.query, tt.wantReq, tt.wantQuery)
			}
		})
	}
}

func TestMaintListEmpty(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/agent/checks": {body: `{"service:web":{"CheckID":"service:web"}}`}})
	out, _, code := run(t, "maint", "-http-addr", f.srv.URL)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, output %q", code, out)
	}
}
