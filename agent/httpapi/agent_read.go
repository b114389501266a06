package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

func (s *Server) agentSelf(c *call) error {
	if !c.authz.AgentRead(s.cfg.NodeName) {
		return errPermissionDenied
	}
	return s.writeJSON(c, s.agent.Self())
}

func (s *Server) agentServices(c *call) error {
	out := make(map[string]*api.AgentService)
	for id, svc := range s.agent.Local().Services() {
		if c.visible(c.authz.ServiceRead(svc.Name)) {
			out[id] = toAPIService(svc, s.cfg.Datacenter)
		}
	}
	out, err := applyFilter(c.r.URL.Query().Get("filter"), out)
	if err != nil {
		return err
	}
	return s.writeJSON(c, out)
}

// agentService answers one local service with its ContentHash, blocking
// on ?hash (with ?wait) until the hash changes.
func (s *Server) agentService(c *call) error {
	wait, err := s.waitTime(c.r.URL.Query().Get("wait"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), wait)
	defer cancel()
	changed := make(chan struct{}, 1)
	stop := s.agent.Local().Notify(changed)
	defer stop()
	wantHash := c.r.URL.Query().Get("hash")
	for {
		svc := s.agent.Local().Service(c.arg)
		if svc == nil {
			return notFound("unknown service ID: %s", c.arg)
		}
		if !c.authz.ServiceRead(svc.Name) {
			return errPermissionDenied
		}
		out := toAPIService(svc, s.cfg.Datacenter)
		out.ContentHash = contentHash(out)
		if wantHash == "" || out.ContentHash != wantHash {
			c.w.Header().Set("X-Consul-ContentHash", out.ContentHash)
			return s.writeJSON(c, out)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			wantHash = "" // answer on the next pass
		}
		// Judged by the token as it is after the wait.
		if err := c.resolve(s); err != nil {
			return err
		}
	}
}

// contentHash is a stable hash of a service's definition.
func contentHash(svc *api.AgentService) string {
	cp := *svc
	cp.CreateIndex, cp.ModifyIndex, cp.ContentHash = 0, 0, ""
	b, _ := json.Marshal(&cp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func (s *Server) agentChecks(c *call) error {
	out := make(map[string]*api.HealthCheck)
	for id, hc := range s.agent.Local().Checks() {
		if c.visible(s.mayReadCheck(c, hc)) {
			out[id] = toAPICheck(hc)
		}
	}
	out, err := applyFilter(c.r.URL.Query().Get("filter"), out)
	if err != nil {
		return err
	}
	return s.writeJSON(c, out)
}

func (s *Server) mayReadCheck(c *call, hc *state.HealthCheck) bool {
	if hc.ServiceID != "" {
		return c.authz.ServiceRead(hc.ServiceName)
	}
	return c.authz.NodeRead(hc.Node)
}

func (s *Server) agentHealthByID(c *call) error {
	svc := s.agent.Local().Service(c.arg)
	if svc == nil {
		return s.writeLocalHealth(c, http.StatusNotFound, "ServiceId "+c.arg+" not found", nil)
	}
	if !c.authz.ServiceRead(svc.Name) {
		return errPermissionDenied
	}
	h := s.localHealthOf(svc)
	return s.writeLocalHealth(c, statusCode(h.AggregatedStatus), h.AggregatedStatus, h)
}

func (s *Server) agentHealthByName(c *call) error {
	services := s.agent.Local().Services()
	var out []*api.AgentServiceChecksInfo
	worst := state.HealthPassing
	for _, id := range slices.Sorted(maps.Keys(services)) {
		svc := services[id]
		if svc.Name != c.arg {
			continue
		}
		if !c.authz.ServiceRead(svc.Name) {
			return errPermissionDenied
		}
		h := s.localHealthOf(svc)
		worst = local.WorseStatus(worst, h.AggregatedStatus)
		out = append(out, h)
	}
	if len(out) == 0 {
		return s.writeLocalHealth(c, http.StatusNotFound, "ServiceName "+c.arg+" Not Found", nil)
	}
	return s.writeLocalHealth(c, statusCode(worst), worst, out)
}

func (s *Server) localHealthOf(svc *state.Service) *api.AgentServiceChecksInfo {
	checks := s.agent.Local().ServiceChecks(svc.ID)
	status := state.HealthPassing
	for _, hc := range checks {
		status = local.WorseStatus(status, hc.Status)
	}
	return &api.AgentServiceChecksInfo{AggregatedStatus: status, Service: toAPIService(svc, s.cfg.Datacenter), Checks: toAPIChecks(checks)}
}

// writeLocalHealth answers in JSON, or as the bare status with
// ?format=text or Accept: text/plain, for load-balancer probes.
func (s *Server) writeLocalHealth(c *call, code int, text string, body any) error {
	if c.r.URL.Query().Get("format") == "text" || c.r.Header.Get("Accept") == "text/plain" {
		writeError(c.w, code, text)
		return nil
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(code)
	if body == nil {
		return nil
	}
	return json.NewEncoder(c.w).Encode(body)
}

// statusCode maps an aggregated status to the local-health HTTP code.
func statusCode(status string) int {
	switch status {
	case state.HealthPassing:
		return http.StatusOK
	case state.HealthWarning:
		return http.StatusTooManyRequests
	}
	return http.StatusServiceUnavailable
}
