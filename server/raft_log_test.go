package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestFirstElectionWarningIsInfo(t *testing.T) {
	cases := []struct {
		name string
		args []any
		want string
	}{
		{"no leader ever", []any{"last-leader-addr", "", "last-leader-id", ""}, "level=INFO"},
		{"a leader was lost", []any{"last-leader-addr", "127.0.0.1:8300", "last-leader-id", "a"}, "level=WARN"},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		l := newHCLog(slog.New(slog.NewTextHandler(&buf, nil)), "raft")
		l.Warn("heartbeat timeout reached, starting election", tc.args...)
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%s: logged %q, want %s", tc.name, buf.String(), tc.want)
		}
	}
}
