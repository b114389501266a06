package httpapi

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// operatorAutopilotConfiguration serves GET and PUT (?cas=)
// /v1/operator/autopilot/configuration.
func (s *Server) operatorAutopilotConfiguration(c *call) error {
	if c.r.Method == http.MethodPut {
		return s.operatorAutopilotSet(c)
	}
	if err := operatorRead(c); err != nil {
		return err
	}
	conf, _, err := s.catalog.AutopilotConfiguration()
	if err != nil {
		return err
	}
	return s.writeJSON(c, toAPIAutopilot(conf))
}

func (s *Server) operatorAutopilotSet(c *call) error {
	if err := operatorWrite(c); err != nil {
		return err
	}
	var in api.AutopilotConfiguration
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	req := &state.AutopilotRequest{Config: fromAPIAutopilot(&in)}
	if req.Config.LastContactThreshold < 0 || req.Config.ServerStabilizationTime < 0 {
		return badRequest("LastContactThreshold and ServerStabilizationTime must not be negative")
	}
	if raw := c.r.URL.Query().Get("cas"); raw != "" {
		idx, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			return badRequest("Error parsing cas value: %v", err)
		}
		req.CAS, req.Config.ModifyIndex = true, idx
	}
	ok, err := s.catalog.AutopilotSetConfiguration(c.r.Context(), req)
	if err != nil {
		return err
	}
	return s.writeJSON(c, ok)
}

func toAPIAutopilot(c state.AutopilotConfig) api.AutopilotConfiguration {
	return api.AutopilotConfiguration{
		CleanupDeadServers:      c.CleanupDeadServers,
		LastContactThreshold:    api.NewReadableDuration(c.LastContactThreshold),
		MaxTrailingLogs:         c.MaxTrailingLogs,
		MinQuorum:               c.MinQuorum,
		ServerStabilizationTime: api.NewReadableDuration(c.ServerStabilizationTime),
		CreateIndex:             c.CreateIndex,
		ModifyIndex:             c.ModifyIndex,
	}
}

func fromAPIAutopilot(in *api.AutopilotConfiguration) state.AutopilotConfig {
	return state.AutopilotConfig{
		CleanupDeadServers:      in.CleanupDeadServers,
		LastContactThreshold:    in.LastContactThreshold.Duration(),
		MaxTrailingLogs:         in.MaxTrailingLogs,
		MinQuorum:               in.MinQuorum,
		ServerStabilizationTime: in.ServerStabilizationTime.Duration(),
	}
}

// operatorAutopilotHealth serves GET /v1/operator/autopilot/health: 200
// when every server is healthy, 429 otherwise, as Consul.
func (s *Server) operatorAutopilotHealth(c *call) error {
	if err := operatorRead(c); err != nil {
		return err
	}
	h, err := s.catalog.AutopilotServerHealth(c.r.Context())
	if err != nil {
		return err
	}
	out := api.OperatorHealthReply{Healthy: h.Healthy, FailureTolerance: h.FailureTolerance,
		Servers: make([]api.ServerHealth, 0, len(h.Servers))}
	for _, sh := range h.Servers {
		out.Servers = append(out.Servers, api.ServerHealth{ID: sh.ID, Name: sh.Name, Address: sh.Address,
			SerfStatus: sh.SerfStatus, Version: sh.Version, Leader: sh.Leader,
			LastContact: api.NewReadableDuration(sh.LastContact), LastTerm: sh.LastTerm, LastIndex: sh.LastIndex,
			Healthy: sh.Healthy, Voter: sh.Voter, StableSince: sh.StableSince})
	}
	body, err := s.encode(c, out)
	if err != nil {
		return err
	}
	if !h.Healthy {
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(http.StatusTooManyRequests)
		_, err := c.w.Write(body)
		return err
	}
	return writeBody(c, body)
}

// operatorAutopilotState serves GET /v1/operator/autopilot/state.
func (s *Server) operatorAutopilotState(c *call) error {
	if err := operatorRead(c); err != nil {
		return err
	}
	h, err := s.catalog.AutopilotServerHealth(c.r.Context())
	if err != nil {
		return err
	}
	return s.writeJSON(c, autopilotState(h))
}

// autopilotState is the health report in the shape of Consul's state.
func autopilotState(h *server.AutopilotHealth) api.AutopilotState {
	out := api.AutopilotState{Healthy: h.Healthy, FailureTolerance: h.FailureTolerance,
		Servers: make(map[string]api.AutopilotServer, len(h.Servers)), Voters: []string{}}
	for _, sh := range h.Servers {
		status := api.AutopilotServerNonVoter
		switch {
		case sh.Leader:
			status, out.Leader = api.AutopilotServerLeader, sh.ID
		case sh.Voter:
			status = api.AutopilotServerVoter
		}
		if sh.Voter {
			out.Voters = append(out.Voters, sh.ID)
		}
		out.Servers[sh.ID] = api.AutopilotServer{ID: sh.ID, Name: sh.Name, Address: sh.Address,
			NodeStatus: sh.SerfStatus, Version: sh.Version, LastContact: api.NewReadableDuration(sh.LastContact),
			LastTerm: sh.LastTerm, LastIndex: sh.LastIndex, Healthy: sh.Healthy, StableSince: sh.StableSince,
			Status: status, Meta: map[string]string{}, NodeType: api.AutopilotTypeVoter}
	}
	sort.Strings(out.Voters)
	out.OptimisticFailureTolerance = max(len(out.Voters)-(len(out.Voters)/2+1), 0)
	return out
}
