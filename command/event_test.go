package command

import (
	"regexp"
	"strings"
	"testing"
)

func TestEventFires(t *testing.T) {
	addr, c := kvTestAgent(t)
	out, errOut, code := run(t, "event", "-http-addr", addr, "-name=deploy", "-node=node.*", "v1.2.3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`^Event ID: ([0-9a-f-]{36})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	events, _, err := c.Event().List("deploy", nil)
	if err != nil || len(events) != 1 || events[0].ID != m[1] || string(events[0].Payload) != "v1.2.3" || events[0].NodeFilter != "node.*" {
		t.Fatalf("events %+v %v", events, err)
	}
}

func TestEventBadArguments(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, "Event name must be specified"},
		{[]string{"-name=x", "a", "b"}, "Too many command line arguments"},
		{[]string{"-name=x", "-tag=v1"}, "Cannot provide tag filter without service filter."},
		{[]string{"-name=x", "-node=("}, "Failed to compile node filter regexp"},
		{[]string{"-name=x", "-service=web", "-tag=["}, "Failed to compile tag filter regexp"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"event", "-http-addr", "127.0.0.1:1"}, tt.args...)...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
		})
	}
}
