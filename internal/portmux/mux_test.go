package portmux

import (
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startMux(t *testing.T) *Mux {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := New(ln, nil, 0)
	done := make(chan error, 1)
	go func() { done <- m.Serve() }()
	t.Cleanup(func() {
		m.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return m
}

// echo accepts one connection on l and echoes what it reads, prefixed.
func echo(t *testing.T, l net.Listener, prefix string) {
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		_, _ = c.Write(append([]byte(prefix), buf...))
	}()
}

func TestConnectionsReachTheirProtocol(t *testing.T) {
	m := startMux(t)
	echo(t, m.Listener(Raft), "raft:")
	echo(t, m.Listener(GRPC), "grpc:")
	for _, tc := range []struct {
		p    Protocol
		want string
	}{{GRPC, "grpc:hello"}, {Raft, "raft:hello"}} {
		c, err := Dial(m.Addr().String(), tc.p, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("hello"))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(tc.want))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != tc.want {
			t.Errorf("protocol %d: read %q, %v; want %q", tc.p, got, err, tc.want)
		}
		c.Close()
	}
}

func TestUnknownProtocolIsClosed(t *testing.T) {
	m := startMux(t)
	m.Listener(Raft)
	c, err := Dial(m.Addr().String(), Protocol(99), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read on an unknown protocol = %d, %v; want EOF", n, err)
	}
}

func TestCloseEndsAccept(t *testing.T) {
	m := startMux(t)
	l := m.Listener(Raft)
	if m.Listener(Raft) != l {
		t.Fatal("two listeners for one protocol")
	}
	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		errc <- err
	}()
	m.Close()
	select {
	case err := <-errc:
		if err != ErrClosed {
			t.Fatalf("Accept after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept did not return after Close")
	}
}
