package command

import "testing"

func TestReload(t *testing.T) {
	tests := []struct {
		name     string
		rt       route
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"ok", route{}, 0, "Configuration reload triggered\n", ""},
		{"agent refuses", route{status: 500, body: "Failed reloading: bad config"}, 1, "",
			"Error reloading: Unexpected response code: 500 (Failed reloading: bad config)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{"PUT /v1/agent/reload": tt.rt})
			out, errOut, code := run(t, "reload", "-http-addr", f.srv.URL, "-token", "tok")
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			if r := f.last(t); r.method != "PUT" || r.token != "tok" {
				t.Fatalf("request %+v", r)
			}
		})
	}
}

func TestUnreachableAgent(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, nil)
	addr := f.srv.URL
	f.srv.Close() // nothing listens there any more
	_, errOut, code := run(t, "reload", "-http-addr", addr)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	mustContain(t, "stderr", errOut, "Error reloading:")
}
