package connlimit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// dialFrom connects to addr from local IP from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serve accepts on ln until it is closed, handing each connection over.
func serve(ln net.Listener) <-chan net.Conn {
	out := make(chan net.Conn, 16)
	go func() {
		defer close(out)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			out <- c
		}
	}()
	return out
}

// closedByServer reports whether the server closed c: a read ends with
// EOF or a reset rather than timing out.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

// TestCapPerClientAddress: each client address gets max connections; one
// more is rejected, another address is counted on its own, and a closed
// connection frees its slot.
func TestCapPerClientAddress(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Wrap(raw, 2, nil).(*Listener)
	defer ln.Close()
	accepted := serve(ln)
	addr := raw.Addr().String()
	next := func() net.Conn {
		select {
		case c := <-accepted:
			t.Cleanup(func() { c.Close() })
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("no connection accepted")
			return nil
		}
	}

	dialFrom(t, "127.0.0.1", addr)
	dialFrom(t, "127.0.0.1", addr)
	first, _ := next(), next()
	over := dialFrom(t, "127.0.0.1", addr)
	if !closedByServer(over) {
		t.Fatal("a third connection from 127.0.0.1 was kept open")
	}
	dialFrom(t, "127.0.0.2", addr)
	next()
	if n := ln.Open(netip.MustParseAddr("127.0.0.1")); n != 2 {
		t.Fatalf("127.0.0.1 holds %d connections, want 2", n)
	}
	first.Close()
	if n := ln.Open(netip.MustParseAddr("127.0.0.1")); n != 1 {
		t.Fatalf("after a close 127.0.0.1 holds %d, want 1", n)
	}
	first.Close() // a second close gives nothing back twice
	dialFrom(t, "127.0.0.1", addr)
	next()
	if n := ln.Open(netip.MustParseAddr("127.0.0.1")); n != 2 {
		t.Fatalf("127.0.0.1 holds %d connections after reconnecting, want 2", n)
	}
}

// TestRejectHTTP: an HTTP client over the cap reads a 429 answer.
func TestRejectHTTP(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Wrap(raw, 1, RejectHTTP)
	defer ln.Close()
	accepted := serve(ln)
	dialFrom(t, "127.0.0.1", raw.Addr().String())
	held := <-accepted
	defer held.Close()

	c := dialFrom(t, "127.0.0.1", raw.Addr().String())
	if _, err := io.WriteString(c, "GET /v1/agent/self HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || len(body) == 0 {
		t.Fatalf("answer over the cap: %d %q, want 429 with a reason", resp.StatusCode, body)
	}
}

// TestWrapWithoutCap: max <= 0 leaves the listener as it is.
func TestWrapWithoutCap(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if Wrap(raw, 0, nil) != raw {
		t.Fatal("a zero cap wrapped the listener")
	}
}
