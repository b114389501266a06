package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// udpPayload is the datagram a udp check sends.
var udpPayload = []byte("pylon health check")

// udpProbe sends one datagram and waits for a reply until the run's
// timeout. A reply or silence is passing: UDP services need not answer.
// An error, such as the "connection refused" an ICMP port-unreachable
// turns into, is critical.
type udpProbe struct {
	addr string
}

func newUDPProbe(def *config.CheckDefinition) (prober, error) {
	if err := checkHostPort(def.UDP); err != nil {
		return nil, fmt.Errorf("udp: %w", err)
	}
	return &udpProbe{addr: def.UDP}, nil
}

func (p *udpProbe) probe(ctx context.Context) (string, string) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "udp", p.addr)
	if err != nil {
		return critical, fmt.Sprintf("UDP %s: %v", p.addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	// Stopping the runner cuts the wait short.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	if _, err := conn.Write(udpPayload); err != nil {
		return critical, fmt.Sprintf("UDP %s: %v", p.addr, err)
	}
	var buf [512]byte
	_, err = conn.Read(buf[:])
	var ne net.Error
	switch {
	case err == nil:
		return passing, fmt.Sprintf("UDP %s: reply received", p.addr)
	case errors.As(err, &ne) && ne.Timeout():
		return passing, fmt.Sprintf("UDP %s: no reply before the timeout", p.addr)
	}
	return critical, fmt.Sprintf("UDP %s: %v", p.addr, err)
}
