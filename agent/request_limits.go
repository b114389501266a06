package agent

import (
	"errors"
	"net/http"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server"
)

// limitRequests makes a server refuse the HTTP API requests over its
// limits.request_limits (server.AllowRequest) that its own HTTP clients
// send; those of client agents were judged by the RPC that carried them,
// and those another server forwarded where they entered
// (server.RequestCounted). Writes count against write_rate, reads against
// read_rate, on the paths server.RateLimitedPath names. A refusal is a 429
// (another server may serve it) or a 503 (only this server, the leader,
// may), as Consul's.
func (a *Agent) limitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if server.RateLimitedPath(r.URL.Path) && !server.RequestCounted(r.Context()) {
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

// requestLimits is the config's limits.request_limits for the server.
func requestLimits(cfg *config.Runtime) server.RequestLimits {
	return server.RequestLimits{Mode: cfg.RequestLimitsMode, ReadRate: cfg.RequestLimitsReadRate, WriteRate: cfg.RequestLimitsWriteRate}
}
