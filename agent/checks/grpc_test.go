package checks

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/pylonmesh/pylon/agent/config"
)

// grpcHealthServer serves the standard health service on loopback.
func grpcHealthServer(t *testing.T, opts ...grpc.ServerOption) (string, *health.Server) {
	t.Helper()
	ln := listenTCP(t)
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return ln.Addr().String(), hs
}

func TestGRPCCheck(t *testing.T) {
	addr, hs := grpcHealthServer(t)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("up", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	cases := []struct {
		target string
		status string
		output string
	}{
		{addr, passing, "success"},
		{addr + "/up", passing, "success"},
		{addr + "/down", critical, "NOT_SERVING"},
		{addr + "/unknown", critical, "NotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			status, output := probeOnce(t, &config.CheckDefinition{GRPC: tc.target, Interval: time.Second})
			if status != tc.status || !strings.Contains(output, tc.output) {
				t.Fatalf("got %q %q, want %q containing %q", status, output, tc.status, tc.output)
			}
		})
	}
}

func TestGRPCCheckFollowsServingStatus(t *testing.T) {
	addr, hs := grpcHealthServer(t)
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_SERVING)
	rec, _ := startCheck(t, &config.CheckDefinition{GRPC: addr + "/svc", Interval: 20 * time.Millisecond}, Options{})
	waitStatus(t, rec, passing)
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_NOT_SERVING)
	waitStatus(t, rec, critical)
}

func TestGRPCUseTLS(t *testing.T) {
	cert := testCert(t)
	addr, hs := grpcHealthServer(t, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	cases := []struct {
		name   string
		def    config.CheckDefinition
		status string
	}{
		{"plaintext to a TLS server", config.CheckDefinition{GRPC: addr}, critical},
		{"unverified cert", config.CheckDefinition{GRPC: addr, GRPCUseTLS: true}, critical},
		{"skip verify", config.CheckDefinition{GRPC: addr, GRPCUseTLS: true, TLSSkipVerify: true}, passing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Interval = time.Second
			tc.def.Timeout = 2 * time.Second
			status, output := probeOnce(t, &tc.def)
			if status != tc.status {
				t.Fatalf("status %q (%s), want %q", status, output, tc.status)
			}
		})
	}
}

func TestGRPCNothingListening(t *testing.T) {
	ln := listenTCP(t)
	addr := ln.Addr().String()
	_ = ln.Close()
	status, output := probeOnce(t, &config.CheckDefinition{GRPC: addr, Interval: time.Second, Timeout: 2 * time.Second})
	if status != critical {
		t.Fatalf("status %q (%s), want critical", status, output)
	}
}

func TestParseGRPCTarget(t *testing.T) {
	cases := []struct{ in, addr, service string }{
		{"127.0.0.1:50051", "127.0.0.1:50051", ""},
		{"127.0.0.1:50051/my_service", "127.0.0.1:50051", "my_service"},
		{"host:1/pkg.Svc/extra", "host:1", "pkg.Svc/extra"},
		{"[::1]:1/s", "[::1]:1", "s"},
	}
	for _, tc := range cases {
		addr, service := parseGRPCTarget(tc.in)
		if addr != tc.addr || service != tc.service {
			t.Errorf("parseGRPCTarget(%q) = %q, %q; want %q, %q", tc.in, addr, service, tc.addr, tc.service)
		}
	}
}
