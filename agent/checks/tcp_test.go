package checks

import (
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// acceptAll accepts connections on ln until it is closed, completing a TLS
// handshake first when cfg is set, and closes each connection.
func acceptAll(t *testing.T, ln net.Listener, cfg *tls.Config) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if cfg != nil {
				tc := tls.Server(c, cfg)
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tc.Handshake()
				c = tc
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
}

func TestTCPCheck(t *testing.T) {
	ln := listenTCP(t)
	acceptAll(t, ln, nil)
	addr := ln.Addr().String()
	rec, _ := startCheck(t, &config.CheckDefinition{TCP: addr, Interval: 20 * time.Millisecond}, Options{})
	u := waitStatus(t, rec, passing)
	if u.output != "TCP connect "+addr+": Success" {
		t.Fatalf("output %q", u.output)
	}
	_ = ln.Close()
	u = waitStatus(t, rec, critical)
	if !strings.Contains(u.output, "refused") {
		t.Fatalf("output %q does not say refused", u.output)
	}
}

func TestTCPUseTLS(t *testing.T) {
	ln := listenTCP(t)
	acceptAll(t, ln, &tls.Config{Certificates: []tls.Certificate{testCert(t)}})
	addr := ln.Addr().String()
	cases := []struct {
		name   string
		def    config.CheckDefinition
		status string
	}{
		{"unverified cert", config.CheckDefinition{TCP: addr, TCPUseTLS: true}, critical},
		{"skip verify", config.CheckDefinition{TCP: addr, TCPUseTLS: true, TLSSkipVerify: true}, passing},
		{"plain tcp", config.CheckDefinition{TCP: addr}, passing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Interval = time.Second
			status, output := probeOnce(t, &tc.def)
			if status != tc.status {
				t.Fatalf("status %q (%s), want %q", status, output, tc.status)
			}
		})
	}
}
