package command

import (
	"strings"
	"testing"
)

// TestInfo prints the Stats sections of /v1/agent/self, sections and
// keys sorted, as Consul's info command.
func TestInfo(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/agent/self": {body: `{"Config":{"NodeName":"n1"},
 "Stats":{"raft":{"state":"Leader","term":"2"},"consul":{"server":"true","leader":"true"},"agent":{"checks":"0"}}}`}})
	out, errOut, code := run(t, "info", "-http-addr", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "agent:\n\tchecks = 0\nconsul:\n\tleader = true\n\tserver = true\nraft:\n\tstate = Leader\n\tterm = 2\n"
	if out != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out, want)
	}

	f = newFakeAgent(t, map[string]route{"GET /v1/agent/self": {status: 403, body: "Permission denied"}})
	if _, errOut, code := run(t, "info", "-http-addr", f.srv.URL); code != 1 || !strings.Contains(errOut, "Permission denied") {
		t.Fatalf("refused self = exit %d, %q; want 1 and the reason", code, errOut)
	}
}
