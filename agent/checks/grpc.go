package checks

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/pylonmesh/pylon/agent/config"
)

// grpcProbe asks a server's standard health service (grpc.health.v1) about
// one service, or the whole server when none is named. SERVING is passing;
// any other answer or an error is critical. Each run opens a new
// connection.
type grpcProbe struct {
	target  string
	addr    string
	service string
	creds   credentials.TransportCredentials
}

func newGRPCProbe(def *config.CheckDefinition) (prober, error) {
	addr, service := parseGRPCTarget(def.GRPC)
	if err := checkHostPort(addr); err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	p := &grpcProbe{target: def.GRPC, addr: addr, service: service, creds: insecure.NewCredentials()}
	if def.GRPCUseTLS {
		p.creds = credentials.NewTLS(tlsConfig(def.TLSSkipVerify, def.TLSServerName))
	}
	return p, nil
}

// parseGRPCTarget splits "host:port/service" into its address and the
// service name (empty when there is none: the whole server is checked).
func parseGRPCTarget(target string) (addr, service string) {
	addr, service, _ = strings.Cut(target, "/")
	return addr, service
}

func (p *grpcProbe) probe(ctx context.Context) (string, string) {
	conn, err := grpc.NewClient("passthrough:///"+p.addr, grpc.WithTransportCredentials(p.creds))
	if err != nil {
		return critical, fmt.Sprintf("gRPC check %s: %v", p.target, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: p.service})
	if err != nil {
		return critical, fmt.Sprintf("gRPC check %s: %v", p.target, err)
	}
	if s := resp.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return critical, fmt.Sprintf("gRPC check %s: %s", p.target, s)
	}
	return passing, fmt.Sprintf("gRPC check %s: success", p.target)
}
