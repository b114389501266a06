package server

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// tcpLayer is the Raft stream layer: a TCP listener plus dialing, with the
// address peers are told to use. Owning the listener (rather than using
// raft.NewTCPTransport) lets the advertise address take the bound port and
// leaves room to share the server port with RPC later.
type tcpLayer struct {
	net.Listener
	advertise net.Addr
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
	return &tcpLayer{Listener: ln, advertise: adv}, nil
}

// Addr is the advertised address.
func (l *tcpLayer) Addr() net.Addr { return l.advertise }

// Dial connects to a peer.
func (l *tcpLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.Dial("tcp", string(addr))
}
