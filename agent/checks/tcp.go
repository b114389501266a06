package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/pylonmesh/pylon/agent/config"
)

// tcpProbe connects to host:port (and completes a TLS handshake when
// tcp_use_tls is set); success is passing, any error critical.
type tcpProbe struct {
	addr string
	tls  *tls.Config // nil for plain TCP
}

func newTCPProbe(def *config.CheckDefinition) (prober, error) {
	if err := checkHostPort(def.TCP); err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	p := &tcpProbe{addr: def.TCP}
	if def.TCPUseTLS {
		p.tls = tlsConfig(def.TLSSkipVerify, def.TLSServerName)
	}
	return p, nil
}

func (p *tcpProbe) probe(ctx context.Context) (string, string) {
	var (
		conn net.Conn
		err  error
		kind = "TCP"
	)
	if p.tls != nil {
		kind = "TCP+TLS"
		conn, err = (&tls.Dialer{Config: p.tls}).DialContext(ctx, "tcp", p.addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", p.addr)
	}
	if err != nil {
		return critical, fmt.Sprintf("%s connect %s: %v", kind, p.addr, err)
	}
	_ = conn.Close()
	return passing, fmt.Sprintf("%s connect %s: Success", kind, p.addr)
}

// checkHostPort reports whether addr is a usable host:port.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("%w: %q is not host:port", ErrInvalidTarget, addr)
	}
	return nil
}
