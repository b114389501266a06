package server

import (
	"io"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestRaftLayersTalkThroughTheSharedPort: a Raft dial from one server's
// layer is accepted by another's, through the port multiplexer.
func TestRaftLayersTalkThroughTheSharedPort(t *testing.T) {
	layer := func() *tcpLayer {
		l, err := newTCPLayer(Config{RaftAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	a, b := layer(), layer()
	got := make(chan string, 1)
	go func() {
		c, err := b.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		buf := make([]byte, 4)
		_, _ = io.ReadFull(c, buf)
		got <- string(buf)
	}()
	c, err := a.Dial(raft.ServerAddress(b.Addr().String()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "ping" {
			t.Fatalf("accepted side read %q, want ping", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dial was not accepted")
	}
}
