package gossip

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestStdLoggerMapsLevels(t *testing.T) {
	var buf bytes.Buffer
	l := newStdLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	for _, line := range []string{
		"[ERR] memberlist: boom", "[WARN] serf: careful", "[INFO] serf: EventMemberJoin: a 127.0.0.1",
		"[DEBUG] memberlist: probe", "no prefix", "[ODD] thing",
	} {
		l.Println(line)
	}
	want := []string{
		`level=ERROR msg="memberlist: boom"`, `level=WARN msg="serf: careful"`,
		`level=INFO msg="serf: EventMemberJoin: a 127.0.0.1"`, `level=DEBUG msg="memberlist: probe"`,
		`level=INFO msg="no prefix"`, `level=INFO msg="[ODD] thing"`,
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
