package command

import (
	"strings"
	"testing"
)

// TestMonitor prints the streamed lines, asks for the level and format
// given, and exits 1 when the agent ends the stream.
func TestMonitor(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/agent/monitor": {body: "line one\nline two\n"}})
	out, errOut, code := run(t, "monitor", "-http-addr", f.srv.URL, "-log-level", "debug", "-log-json")
	if code != 1 || !strings.Contains(errOut, "Remote side ended the monitor") {
		t.Fatalf("exit %d, %q; want 1 when the agent ends the stream", code, errOut)
	}
	if out != "line one\nline two\n" {
		t.Fatalf("output %q", out)
	}
	if q := f.last(t).query; q.Get("loglevel") != "debug" || !q.Has("logjson") {
		t.Fatalf("query %v, want loglevel=debug and logjson", q)
	}
}
