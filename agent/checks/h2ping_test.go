package checks

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// h2cServer serves HTTP/2 with prior knowledge (and HTTP/1) on loopback.
func h2cServer(t *testing.T, h2 bool) string {
	t.Helper()
	ln := listenTCP(t)
	srv := &http.Server{
		Handler:  http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(h2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return ln.Addr().String()
}

// tlsServer serves HTTPS on loopback, offering HTTP/2 when h2 is true.
func tlsServer(t *testing.T, h2 bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.EnableHTTP2 = h2
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// noALPNServer completes TLS handshakes without negotiating a protocol.
func noALPNServer(t *testing.T) string {
	t.Helper()
	ln := listenTCP(t)
	acceptAll(t, ln, &tls.Config{Certificates: []tls.Certificate{testCert(t)}})
	return ln.Addr().String()
}

func TestH2Ping(t *testing.T) {
	cases := []struct {
		name   string
		def    config.CheckDefinition
		status string
		output string
	}{
		{"h2c", config.CheckDefinition{H2PING: h2cServer(t, true)}, passing, "Success"},
		{"h2c to an HTTP/1 server", config.CheckDefinition{H2PING: h2cServer(t, false)}, critical, "HTTP2 ping"},
		{"tls", config.CheckDefinition{H2PING: tlsServer(t, true), H2PingUseTLS: true, TLSSkipVerify: true}, passing, "Success"},
		{"tls unverified", config.CheckDefinition{H2PING: tlsServer(t, true), H2PingUseTLS: true}, critical, "certificate"},
		{"tls to an HTTP/1 server", config.CheckDefinition{H2PING: tlsServer(t, false), H2PingUseTLS: true, TLSSkipVerify: true}, critical, "HTTP2 ping"},
		{"tls without ALPN", config.CheckDefinition{H2PING: noALPNServer(t), H2PingUseTLS: true, TLSSkipVerify: true}, critical, "did not negotiate HTTP/2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Interval = time.Second
			tc.def.Timeout = 2 * time.Second
			status, output := probeOnce(t, &tc.def)
			if status != tc.status || !strings.Contains(output, tc.output) {
				t.Fatalf("got %q %q, want %q containing %q", status, output, tc.status, tc.output)
			}
		})
	}
}

func TestH2PingRunner(t *testing.T) {
	addr := h2cServer(t, true)
	rec, _ := startCheck(t, &config.CheckDefinition{H2PING: addr, Interval: 20 * time.Millisecond}, Options{})
	waitStatus(t, rec, passing)
}

func TestH2PingNothingListening(t *testing.T) {
	ln := listenTCP(t)
	addr := ln.Addr().String()
	_ = ln.Close()
	status, _ := probeOnce(t, &config.CheckDefinition{H2PING: addr, Interval: time.Second})
	if status != critical {
		t.Fatalf("status %q, want critical", status)
	}
}
