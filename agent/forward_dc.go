package agent

import (
	"context"
	"io"
	"net/http"

	"github.com/pylonmesh/pylon/agent/httpapi"
	"github.com/pylonmesh/pylon/server"
)

// serverForwarder is a server agent's forwarder: a request for another
// datacenter (?dc=) goes to the nearest of its servers, found in the WAN
// pool; the rest to this datacenter's leader when Consul serves it there.
// The API never offers it the agent's own endpoints or user events
// (httpapi.Forwarder).
type serverForwarder struct {
	a      *Agent
	leader leaderForwarder
}

func (f serverForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) bool {
	dc := httpapi.RequestDatacenter(r)
	if dc == "" || dc == f.a.config().Datacenter || server.ForwardedHTTP(r.Context()) {
		return f.leader.ForwardHTTP(w, r)
	}
	addr := f.a.datacenterServer(dc)
	if addr == "" {
		http.Error(w, "No path to datacenter", http.StatusInternalServerError)
		return true
	}
	srv := f.a.server
	forwardWays{
		whole: func(ctx context.Context, req *server.HTTPRequest) (*server.HTTPResponse, error) {
			return srv.ForwardHTTPToDatacenter(ctx, addr, req)
		},
		stream: func(ctx context.Context, req *server.HTTPRequest, emit func(*server.HTTPChunk) error) error {
			return srv.StreamHTTPToDatacenter(ctx, addr, req, emit)
		},
		upload: func(ctx context.Context, req *server.HTTPRequest, body io.Reader) (*server.HTTPResponse, error) {
			return srv.UploadHTTPToDatacenter(ctx, addr, req, body)
		},
	}.forward(w, r)
	return true
}
