package httpapi

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server/state"
)

// maxBodySize bounds registration bodies; a service definition is small.
const maxBodySize = 1 << 20

func readBody(c *call) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBodySize+1))
	if err != nil {
		return nil, badRequest("Request decode failed: %v", err)
	}
	if len(b) > maxBodySize {
		return nil, badRequest("Request body too large")
	}
	return b, nil
}

// decodeBody reads a JSON body of at most maxBodySize bytes into v.
func decodeBody(c *call, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("Request decode failed: %v", err)
	}
	return nil
}

// trueBody is the response of writes that answer a bare true.
var trueBody = []byte("true\n")

func (s *Server) agentServiceRegister(c *call) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	def, err := config.DecodeServiceJSON(body)
	if err != nil {
		return badRequest("%v", err)
	}
	if !mayRegisterDef(c.authz, def) {
		return errPermissionDenied
	}
	replace := boolParam(c.r, "replace-existing-checks")
	if err := s.agent.RegisterService(def, c.token, replace); err != nil {
		return err
	}
	return nil
}

func (s *Server) agentServiceDeregister(c *call) error {
	svc := s.agent.Local().Service(c.arg)
	if svc == nil {
		return notFound("Unknown service ID %q. Ensure that the service ID is passed, not the service name.", c.arg)
	}
	if !c.authz.ServiceWrite(svc.Name) {
		return errPermissionDenied
	}
	return s.agent.DeregisterService(c.arg)
}

func (s *Server) agentServiceMaintenance(c *call) error {
	enable, err := enableParam(c)
	if err != nil {
		return err
	}
	svc := s.agent.Local().Service(c.arg)
	if svc == nil {
		return notFound("Unknown service ID %q", c.arg)
	}
	if !c.authz.ServiceWrite(svc.Name) {
		return errPermissionDenied
	}
	return s.agent.ServiceMaintenance(c.arg, enable, c.r.URL.Query().Get("reason"), c.token)
}

func (s *Server) agentNodeMaintenance(c *call) error {
	enable, err := enableParam(c)
	if err != nil {
		return err
	}
	if !c.authz.NodeWrite(s.cfg.NodeName) {
		return errPermissionDenied
	}
	return s.agent.NodeMaintenance(enable, c.r.URL.Query().Get("reason"), c.token)
}

// enableParam reads the required ?enable=true|false.
func enableParam(c *call) (bool, error) {
	raw, ok := c.r.URL.Query()["enable"]
	if !ok || len(raw) == 0 || raw[0] == "" {
		return false, badRequest("Missing value for enable")
	}
	b, err := strconv.ParseBool(raw[0])
	if err != nil {
		return false, badRequest("Invalid value for enable: %q", raw[0])
	}
	return b, nil
}

func (s *Server) agentCheckRegister(c *call) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	def, err := config.DecodeCheckJSON(body)
	if err != nil {
		return badRequest("%v", err)
	}
	if def.ServiceID != "" {
		svc := s.agent.Local().Service(def.ServiceID)
		if svc == nil {
			return notFound("ServiceID %q does not exist", def.ServiceID)
		}
		if !c.authz.ServiceWrite(svc.Name) {
			return errPermissionDenied
		}
	} else if !c.authz.NodeWrite(s.cfg.NodeName) {
		return errPermissionDenied
	}
	return s.agent.RegisterCheck(def, c.token)
}

func (s *Server) agentCheckDeregister(c *call) error {
	if err := s.mayWriteCheck(c, c.arg); err != nil {
		return err
	}
	return s.agent.DeregisterCheck(c.arg)
}

func (s *Server) agentCheckPass(c *call) error { return s.ttlUpdate(c, state.HealthPassing) }
func (s *Server) agentCheckWarn(c *call) error { return s.ttlUpdate(c, state.HealthWarning) }
func (s *Server) agentCheckFail(c *call) error { return s.ttlUpdate(c, state.HealthCritical) }

func (s *Server) ttlUpdate(c *call, status string) error {
	if err := s.mayWriteCheck(c, c.arg); err != nil {
		return err
	}
	return s.agent.UpdateTTL(c.arg, status, c.r.URL.Query().Get("note"))
}

// checkUpdate is the body of /v1/agent/check/update/:id.
type checkUpdate struct {
	Status string
	Output string
}

func (s *Server) agentCheckUpdate(c *call) error {
	var in checkUpdate
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return badRequest("Request decode failed: %v", err)
		}
	}
	if !validStatus(in.Status) {
		return badRequest("Invalid check status: '%s'", in.Status)
	}
	if err := s.mayWriteCheck(c, c.arg); err != nil {
		return err
	}
	return s.agent.UpdateTTL(c.arg, in.Status, in.Output)
}

// mayWriteCheck finds a local check and asks whether the token may write it.
func (s *Server) mayWriteCheck(c *call, id string) error {
	hc := s.agent.Local().Check(id)
	if hc == nil {
		return notFound("Unknown check ID %q. Ensure that the check ID is passed, not the check name.", id)
	}
	allowed := c.authz.NodeWrite(s.cfg.NodeName)
	if hc.ServiceID != "" {
		allowed = c.authz.ServiceWrite(hc.ServiceName)
	}
	if !allowed {
		return errPermissionDenied
	}
	return nil
}

func (s *Server) agentReload(c *call) error {
	if !c.authz.AgentWrite(s.cfg.NodeName) {
		return errPermissionDenied
	}
	return s.agent.Reload()
}
