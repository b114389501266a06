package httpapi

import (
	"net/http"

	"github.com/pylonmesh/pylon/agent/logmonitor"
)

// agentMonitor streams the agent's log lines (GET /v1/agent/monitor
// ?loglevel=&logjson) until the client goes away, as Consul's: text lines,
// or JSON lines with ?logjson, at the given level (default info), which
// may be finer than the agent's own. It needs agent:read.
func (s *Server) agentMonitor(c *call) error {
	if !c.authz.AgentRead(s.cfg.NodeName) {
		return errPermissionDenied
	}
	q := c.r.URL.Query()
	level, ok := logmonitor.ParseLevel(q.Get("loglevel"))
	if !ok {
		return badRequest("Unknown log level: %s", q.Get("loglevel"))
	}
	lines, stop := s.agent.Monitor(level, q.Has("logjson"))
	defer func() {
		if dropped := stop(); dropped > 0 {
			s.logger.Warn("log monitor fell behind", "dropped", dropped)
		}
	}()
	flusher, _ := c.w.(http.Flusher)
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	for {
		select {
		case line := <-lines:
			if _, err := c.w.Write(line); err != nil {
				return nil
			}
			if len(lines) == 0 && flusher != nil { // write what came together at once
				flusher.Flush()
			}
		case <-c.r.Context().Done():
			return nil
		}
	}
}
