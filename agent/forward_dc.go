package agent

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/pylonmesh/pylon/server"
)

// serverForwarder is a server agent's forwarder: a request for another
// datacenter (?dc=) goes to one of its servers, found in the WAN pool;
// the rest to this datacenter's leader when Consul serves it there.
type serverForwarder struct {
	a      *Agent
	leader leaderForwarder
}

func (f serverForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) bool {
	dc := remoteDatacenter(r, f.a.config().Datacenter)
	if dc == "" || server.ForwardedHTTP(r.Context()) {
		return f.leader.ForwardHTTP(w, r)
	}
	addr := f.a.datacenterServer(dc)
	if addr == "" {
		http.Error(w, "No path to datacenter", http.StatusInternalServerError)
		return true
	}
	forwardVia(w, r, func(ctx context.Context, req *server.HTTPRequest) (*server.HTTPResponse, error) {
		return f.a.server.ForwardHTTPToDatacenter(ctx, addr, req)
	})
	return true
}

// remoteDatacenter is the datacenter a request names with ?dc= (or
// ?datacenter=) when it is not own; "" otherwise. The agent's own
// endpoints, user events and the keyring are never sent on.
func remoteDatacenter(r *http.Request, own string) string {
	p := r.URL.Path
	if strings.HasPrefix(p, "/v1/agent/") || strings.HasPrefix(p, "/v1/event/") || p == "/v1/operator/keyring" {
		return ""
	}
	q := r.URL.Query()
	dc := q.Get("datacenter")
	if dc == "" {
		dc = q.Get("dc")
	}
	if dc == own {
		return ""
	}
	return dc
}

// datacenterServer picks an alive server of datacenter dc from the WAN
// pool and returns its server address, or "" when none is known.
func (a *Agent) datacenterServer(dc string) string {
	pool := a.wan.Load()
	if pool == nil {
		return ""
	}
	addrs := serverAddrs(pool, dc)
	if len(addrs) == 0 {
		return ""
	}
	return addrs[rand.IntN(len(addrs))]
}
