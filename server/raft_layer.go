package server

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/internal/connlimit"
	"github.com/pylonmesh/pylon/internal/portmux"
)

// tcpLayer is the Raft stream layer over the server port. The port is
// shared (internal/portmux): Raft connections announce themselves with
// their first byte, which leaves the port to carry agent RPC (gRPC) too,
// as DESIGN §3 asks. Owning the listener also lets the advertise address
// take the bound port.
type tcpLayer struct {
	net.Listener // the mux's Raft listener
	mux          *portmux.Mux
	served       chan struct{} // closed when the mux's Serve returns
	advertise    net.Addr
	conns        connSet // Raft's connections, closed with the layer
}

var _ raft.StreamLayer = (*tcpLayer)(nil)

func newTCPLayer(cfg Config) (*tcpLayer, error) {
	ln, err := net.Listen("tcp", cfg.RaftAddr)
	if err != nil {
		return nil, fmt.Errorf("raft listen %s: %w", cfg.RaftAddr, err)
	}
	bound := ln.Addr().(*net.TCPAddr)
	var adv net.Addr = bound
	if cfg.AdvertiseAddr != "" {
		if adv, err = advertiseAddr(cfg.AdvertiseAddr, bound.Port); err != nil {
			ln.Close()
			return nil, err
		}
	}
	ln = connlimit.Wrap(ln, cfg.MaxConnsPerClient, nil)
	mux := portmux.New(ln, cfg.Logger, cfg.HandshakeTimeout)
	l := &tcpLayer{Listener: mux.Listener(portmux.Raft), mux: mux, served: make(chan struct{}), advertise: adv}
	go func() {
		defer close(l.served)
		if err := mux.Serve(); err != nil && cfg.Logger != nil {
			cfg.Logger.Error("server port stopped accepting", "error", err)
		}
	}()
	return l, nil
}

// Addr is the advertised address.
func (l *tcpLayer) Addr() net.Addr { return l.advertise }

// Accept returns the next inbound Raft connection.
func (l *tcpLayer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.conns.add(c), nil
}

// Dial connects to a peer's server port as a Raft connection.
func (l *tcpLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := portmux.Dial(string(addr), portmux.Raft, timeout)
	if err != nil {
		return nil, err
	}
	return l.conns.add(c), nil
}

// Close closes the server port, waits for its accept loop to end and
// closes every Raft connection still open. Raft's transport leaves its
// pooled and accepted connections open at shutdown, which would keep the
// peers' readers (and ours) blocked for the life of the process.
func (l *tcpLayer) Close() error {
	err := l.mux.Close()
	<-l.served
	l.conns.closeAll()
	return err
}

// connSet is the set of open connections of a layer.
type connSet struct {
	mu     sync.Mutex
	open   map[*trackedConn]struct{}
	closed bool
}

// trackedConn leaves its set when closed.
type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.open, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}

func (s *connSet) add(c net.Conn) net.Conn {
	t := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return t
	}
	if s.open == nil {
		s.open = make(map[*trackedConn]struct{})
	}
	s.open[t] = struct{}{}
	return t
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	open := s.open
	s.open, s.closed = nil, true
	s.mu.Unlock()
	for c := range open {
		c.Conn.Close()
	}
}
