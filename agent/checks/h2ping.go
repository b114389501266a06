package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"golang.org/x/net/http2"

	"github.com/pylonmesh/pylon/agent/config"
)

// h2pingProbe opens an HTTP/2 connection, over TLS by default or as h2c
// with prior knowledge when h2ping_use_tls is false, and sends one PING
// frame. A PING ack is passing; anything else critical.
type h2pingProbe struct {
	addr string
	tls  *tls.Config // nil for h2c
	t    *http2.Transport
}

func newH2PingProbe(def *config.CheckDefinition) (prober, error) {
	if err := checkHostPort(def.H2PING); err != nil {
		return nil, fmt.Errorf("h2ping: %w", err)
	}
	p := &h2pingProbe{addr: def.H2PING, t: &http2.Transport{AllowHTTP: true}}
	if def.H2PingUseTLS {
		p.tls = tlsConfig(def.TLSSkipVerify, def.TLSServerName)
		p.tls.NextProtos = []string{http2.NextProtoTLS}
	}
	return p, nil
}

func (p *h2pingProbe) probe(ctx context.Context) (string, string) {
	conn, err := p.dial(ctx)
	if err != nil {
		return critical, fmt.Sprintf("HTTP2 ping %s: %v", p.addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	cc, err := p.t.NewClientConn(conn)
	if err != nil {
		_ = conn.Close()
		return critical, fmt.Sprintf("HTTP2 ping %s: %v", p.addr, err)
	}
	defer cc.Close()
	if err := cc.Ping(ctx); err != nil {
		return critical, fmt.Sprintf("HTTP2 ping %s: %v", p.addr, err)
	}
	return passing, fmt.Sprintf("HTTP2 ping %s: Success", p.addr)
}

// dial connects, over TLS when configured, and insists on h2 by ALPN.
func (p *h2pingProbe) dial(ctx context.Context) (net.Conn, error) {
	if p.tls == nil {
		return (&net.Dialer{}).DialContext(ctx, "tcp", p.addr)
	}
	conn, err := (&tls.Dialer{Config: p.tls}).DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if proto := conn.(*tls.Conn).ConnectionState().NegotiatedProtocol; proto != http2.NextProtoTLS {
		_ = conn.Close()
		return nil, fmt.Errorf("server did not negotiate HTTP/2 (ALPN %q)", proto)
	}
	return conn, nil
}
