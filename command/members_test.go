package command

import (
	"testing"
)

const membersJSON = `[
 {"Name":"web-2","Addr":"10.0.0.12","Port":8301,"Tags":{"role":"node","dc":"dc1","build":"0.1.0:abc","vsn":"2","segment":""},"Status":4},
 {"Name":"srv-1","Addr":"10.0.0.1","Port":8301,"Tags":{"role":"consul","dc":"dc1","build":"0.1.0:abc","vsn":"2","port":"8300"},"Status":1},
 {"Name":"web-1","Addr":"fd00::11","Port":8301,"Tags":{"role":"node","dc":"dc1","build":"0.1.0","vsn":"2"},"Status":1}
]`

func TestMembers(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantQ    string // expected raw query
	}{
		{"table", nil, 0, ""},
		{"detailed", []string{"-detailed"}, 0, ""},
		{"status filter", []string{"-status", "fail.*"}, 0, ""},
		{"no match exits 2", []string{"-status", "left"}, 2, ""},
		{"wan", []string{"-wan", "-filter", `Name == "srv-1"`}, 0, "filter=Name+%3D%3D+%22srv-1%22&wan=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{"GET /v1/agent/members": {body: membersJSON}})
			out, errOut, code := run(t, append([]string{"members", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errOut)
			}
			if got := f.last(t).query.Encode(); got != tt.wantQ {
				t.Fatalf("query %q, want %q", got, tt.wantQ)
			}
			golden(t, "members_"+goldenName(tt.name), out)
		})
	}
}

func TestMembersErrors(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/agent/members": {status: 403, body: "Permission denied"}})
	_, errOut, code := run(t, "members", "-http-addr", f.srv.URL)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	mustContain(t, "stderr", errOut, "Error retrieving members: Unexpected response code: 403 (Permission denied)")

	_, errOut, code = run(t, "members", "-http-addr", f.srv.URL, "-status", "(")
	if code != 1 || len(f.requests()) != 1 {
		t.Fatalf("bad regexp: exit %d, %d requests", code, len(f.requests()))
	}
	mustContain(t, "stderr", errOut, "Failed to compile status regexp")
}

// goldenName turns a test name into a file name.
func goldenName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' || c == '/' {
			b[i] = '_'
		}
	}
	return string(b)
}
