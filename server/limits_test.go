package server

import (
	"net"
	"testing"
	"time"
)

// TestServerPortConnectionCap: a client address holding
// MaxConnsPerClient connections to the server port has one more closed
// at once, and one that never sends its protocol byte is closed after
// HandshakeTimeout, which frees its slot; servers and agents on other
// connections keep working.
func TestServerPortConnectionCap(t *testing.T) {
	c := newTestClusterWith(t, 1, func(cfg *Config) {
		cfg.MaxConnsPerClient = 4
		cfg.HandshakeTimeout = 300 * time.Millisecond
	})
	srv := c.servers[0]
	dial := func() net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	closedWithin := func(conn net.Conn, d time.Duration) bool {
		_ = conn.SetReadDeadline(time.Now().Add(d))
		_, err := conn.Read(make([]byte, 1))
		ne, ok := err.(net.Error)
		return err != nil && !(ok && ne.Timeout())
	}

	// The cluster's own connections may hold some slots; fill the rest.
	var held []net.Conn
	for range 4 {
		held = append(held, dial())
	}
	over := dial()
	if !closedWithin(over, 100*time.Millisecond) {
		t.Fatal("a connection over the cap was kept open")
	}
	if !closedWithin(held[0], 2*time.Second) {
		t.Fatal("a connection that never sent its protocol byte outlived the handshake timeout")
	}
	// The slots are free again: a client agent's call goes through.
	waitFor(t, func() bool {
		_, err := newTestClient(t, c).NodeState(t.Context(), "nobody")
		return err == nil
	})
}
