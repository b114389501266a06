package gossip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestRetryJoinSucceedsWhenTheTargetStartsLate(t *testing.T) {
	port := freePort(t)
	logs := &syncBuffer{}
	joiner := newPool(t, "joiner", func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		n, err := joiner.RetryJoin(ctx, []string{fmt.Sprintf("127.0.0.1:%d", port)}, 50*time.Millisecond, 0)
		done <- result{n, err}
	}()
	// Let two attempts fail before the target exists.
	waitFor(t, func() bool { return strings.Count(logs.String(), "gossip retry join failed") >= 2 }, "failed attempts logged")
	target := newPool(t, "target", func(c *Config) { c.BindPort = port })
	r := <-done
	if r.err != nil || r.n != 1 {
		t.Fatalf("RetryJoin = %d, %v", r.n, r.err)
	}
	waitFor(t, func() bool { return target.NumMembers() == 2 }, "target sees the joiner")
}

func TestRetryJoinGivesUp(t *testing.T) {
	p := newPool(t, "solo", nil)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, err := p.RetryJoin(context.Background(), []string{addr}, time.Millisecond, 3)
	if !errors.Is(err, ErrRetryJoinGaveUp) {
		t.Fatalf("RetryJoin = %v, want ErrRetryJoinGaveUp", err)
	}
}

func TestRetryJoinStops(t *testing.T) {
	p := newPool(t, "solo", nil)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.RetryJoin(ctx, []string{addr}, time.Millisecond, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("RetryJoin after cancel = %v", err)
	}
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Join([]string{addr}); !errors.Is(err, ErrShutdown) {
		t.Fatalf("Join after shutdown = %v, want ErrShutdown", err)
	}
	if _, err := p.RetryJoin(context.Background(), []string{addr}, time.Hour, 0); !errors.Is(err, ErrShutdown) {
		t.Fatalf("RetryJoin after shutdown = %v, want ErrShutdown", err)
	}
}

// syncBuffer is a buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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
