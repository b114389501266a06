package server

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"

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
	mux := portmux.New(ln, cfg.Logger)
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

// Dial connects to a peer's server port as a Raft connection.
func (l *tcpLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return portmux.Dial(string(addr), portmux.Raft, timeout)
}

// Close closes the server port and waits for its accept loop to end.
func (l *tcpLayer) Close() error {
	err := l.mux.Close()
	<-l.served
	return err
}
