package agent

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server"
)

// limitRequests makes a server refuse the HTTP API requests over its
// limits.request_limits (server.AllowRequest) that enter the cluster
// through it: from its own HTTP clients and from client agents, not those
// another server forwarded (counted where they entered). Writes count
// against write_rate, reads against read_rate. The agent's own endpoints
// and /v1/status stay unlimited, so probes and operators can still ask.
// A refusal is a 429 (another server may serve it) or a 503 (only this
// server, the leader, may), as Consul's.
func (a *Agent) limitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rateLimited(r.URL.Path) && !server.ForwardedHTTP(r.Context()) {
			write := r.Method != http.MethodGet && r.Method != http.MethodHead
			err := a.server.AllowRequest(write, server.LeaderBound(r.Method, r.URL), r.Method+" "+r.URL.Path, r.RemoteAddr)
			if err != nil {
				code := http.StatusTooManyRequests
				if errors.Is(err, server.ErrRetryLater) {
					code = http.StatusServiceUnavailable
				}
				http.Error(w, err.Error(), code)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func rateLimited(path string) bool {
	return strings.HasPrefix(path, "/v1/") && !strings.HasPrefix(path, "/v1/agent/") && !strings.HasPrefix(path, "/v1/status/")
}

// requestLimits is the config's limits.request_limits for the server.
func requestLimits(cfg *config.Runtime) server.RequestLimits {
	return server.RequestLimits{Mode: cfg.RequestLimitsMode, ReadRate: cfg.RequestLimitsReadRate, WriteRate: cfg.RequestLimitsWriteRate}
}
