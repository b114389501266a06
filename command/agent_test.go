package command

import (
	"bytes"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
)

// syncBuffer is a bytes.Buffer safe for the agent's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitMatch polls out until re matches, and returns the first group.
func waitMatch(t *testing.T, out *syncBuffer, re *regexp.Regexp, done <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("agent exited with %d before %v:\n%s", code, re, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %v in output:\n%s", re, out.String())
	return ""
}

func TestAgentCommandLifecycle(t *testing.T) {
	clearEnv(t)
	args := []string{"-dev", "-node=cli-test", "-http-port=0", "-dns-port=-1", "-grpc-port=-1",
		"-server-port=0", "-serf-lan-port=0", "-serf-wan-port=-1", "-log-level=warn"}
	sigs := make(chan os.Signal, 1)
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- serveAgent(&ui{out: &out, err: &out}, args, sigs) }()

	addr := waitMatch(t, &out, regexp.MustCompile(`HTTP: (\S+)`), done)
	mustContain(t, "banner", out.String(), "Node name: 'cli-test'")
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Config().HttpClient.CloseIdleConnections()
	name, err := c.Agent().NodeName()
	if err != nil || name != "cli-test" {
		t.Fatalf("node name %q, %v", name, err)
	}

	sigs <- syscall.SIGHUP
	waitMatch(t, &out, regexp.MustCompile(`(reloading configuration)`), done)
	sigs <- syscall.SIGINT
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("agent did not stop:\n%s", out.String())
	}
}

func TestAgentCommandBadConfig(t *testing.T) {
	out, errOut, code := run(t, "agent", "-no-such-flag")
	if code != 1 || out != "" || errOut == "" {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
	out, _, code = run(t, "agent", "-h")
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	mustContain(t, "help", out, "Usage: pylon agent [options]")
}

func TestLogLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
	}{
		{"trace", slog.LevelDebug - 4}, {"DEBUG", slog.LevelDebug}, {"info", slog.LevelInfo}, {"", slog.LevelInfo},
		{"warn", slog.LevelWarn}, {"WARNING", slog.LevelWarn}, {"err", slog.LevelError}, {"error", slog.LevelError},
		{"bogus", slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := logLevel(tt.in); got != tt.want {
			t.Errorf("logLevel(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	var b bytes.Buffer
	newLogger(&b, "info", true).Info("hello", "k", "v")
	mustContain(t, "json log", b.String(), `"msg":"hello","k":"v"`)
}
