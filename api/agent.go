package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Agent reaches the /v1/agent endpoints: the state of the one agent the
// client talks to.
type Agent struct {
	c        *Client
	nodeName string // cached by NodeName
}

// Agent returns a handle for the agent endpoints.
func (c *Client) Agent() *Agent { return &Agent{c: c} }

// Self returns the agent's configuration and member information
// (GET /v1/agent/self).
func (a *Agent) Self() (AgentSelf, error) {
	var out AgentSelf
	_, err := a.c.fetch(a.c.newRequest(http.MethodGet, "/v1/agent/self"), &out)
	return out, err
}

// NodeName returns the agent's node name, read once from Self.
func (a *Agent) NodeName() (string, error) {
	if a.nodeName != "" {
		return a.nodeName, nil
	}
	self, err := a.Self()
	if err != nil {
		return "", err
	}
	name, _ := self["Config"]["NodeName"].(string)
	a.nodeName = name
	return name, nil
}

// Members lists the LAN (or, with wan, the WAN) gossip pool.
func (a *Agent) Members(wan bool) ([]*AgentMember, error) {
	return a.MembersOpts(MembersOpts{WAN: wan})
}

// MembersOpts lists gossip members selected by opts.
func (a *Agent) MembersOpts(opts MembersOpts) ([]*AgentMember, error) {
	r := a.c.newRequest(http.MethodGet, "/v1/agent/members")
	if opts.Segment != "" {
		r.params.Set("segment", opts.Segment)
	}
	if opts.WAN {
		r.params.Set("wan", "1")
	}
	r.filter(opts.Filter)
	var out []*AgentMember
	_, err := a.c.fetch(r, &out)
	return out, err
}

// Services returns the services registered on this agent, by service ID.
func (a *Agent) Services() (map[string]*AgentService, error) {
	return a.ServicesWithFilterOpts("", nil)
}

// ServicesWithFilter is Services with a filter expression.
func (a *Agent) ServicesWithFilter(filter string) (map[string]*AgentService, error) {
	return a.ServicesWithFilterOpts(filter, nil)
}

// ServicesWithFilterOpts is Services with a filter expression and options.
func (a *Agent) ServicesWithFilterOpts(filter string, q *QueryOptions) (map[string]*AgentService, error) {
	r := a.c.newRequest(http.MethodGet, "/v1/agent/services")
	r.setQueryOptions(q)
	r.filter(filter)
	var out map[string]*AgentService
	_, err := a.c.fetch(r, &out)
	return out, err
}

// Service returns one local service, with its ContentHash. With
// q.WaitHash set it blocks until the hash changes.
func (a *Agent) Service(serviceID string, q *QueryOptions) (*AgentService, *QueryMeta, error) {
	r := a.c.newRequest(http.MethodGet, "/v1/agent/service/"+serviceID)
	r.setQueryOptions(q)
	var out *AgentService
	qm, err := a.c.fetch(r, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, qm, nil
}

// Checks returns the checks registered on this agent, by check ID.
func (a *Agent) Checks() (map[string]*AgentCheck, error) {
	return a.ChecksWithFilterOpts("", nil)
}

// ChecksWithFilter is Checks with a filter expression.
func (a *Agent) ChecksWithFilter(filter string) (map[string]*AgentCheck, error) {
	return a.ChecksWithFilterOpts(filter, nil)
}

// ChecksWithFilterOpts is Checks with a filter expression and options.
func (a *Agent) ChecksWithFilterOpts(filter string, q *QueryOptions) (map[string]*AgentCheck, error) {
	r := a.c.newRequest(http.MethodGet, "/v1/agent/checks")
	r.setQueryOptions(q)
	r.filter(filter)
	var out map[string]*AgentCheck
	_, err := a.c.fetch(r, &out)
	return out, err
}

// ServiceRegister adds or replaces a local service.
func (a *Agent) ServiceRegister(service *AgentServiceRegistration) error {
	return a.ServiceRegisterOpts(service, ServiceRegisterOpts{})
}

// ServiceRegisterOpts is ServiceRegister with options.
func (a *Agent) ServiceRegisterOpts(service *AgentServiceRegistration, opts ServiceRegisterOpts) error {
	r := a.c.newRequest(http.MethodPut, "/v1/agent/service/register")
	r.body = service
	r.ctx = opts.ctx
	if opts.ReplaceExistingChecks {
		r.params.Set("replace-existing-checks", "true")
	}
	if opts.Token != "" {
		r.header.Set("X-Consul-Token", opts.Token)
	}
	_, err := a.c.exec(r, nil)
	return err
}

// ServiceDeregister removes a local service, its checks and its sidecar.
func (a *Agent) ServiceDeregister(serviceID string) error {
	return a.ServiceDeregisterOpts(serviceID, nil)
}

// ServiceDeregisterOpts is ServiceDeregister with options.
func (a *Agent) ServiceDeregisterOpts(serviceID string, q *QueryOptions) error {
	return a.put("/v1/agent/service/deregister/"+serviceID, nil, nil, q)
}

// CheckRegister adds or replaces a local check.
func (a *Agent) CheckRegister(check *AgentCheckRegistration) error {
	return a.CheckRegisterOpts(check, nil)
}

// CheckRegisterOpts is CheckRegister with options.
func (a *Agent) CheckRegisterOpts(check *AgentCheckRegistration, q *QueryOptions) error {
	return a.put("/v1/agent/check/register", nil, check, q)
}

// CheckDeregister removes a local check.
func (a *Agent) CheckDeregister(checkID string) error {
	return a.CheckDeregisterOpts(checkID, nil)
}

// CheckDeregisterOpts is CheckDeregister with options.
func (a *Agent) CheckDeregisterOpts(checkID string, q *QueryOptions) error {
	return a.put("/v1/agent/check/deregister/"+checkID, nil, nil, q)
}

// PassTTL marks a TTL check passing, with note as its output.
func (a *Agent) PassTTL(checkID, note string) error { return a.ttl("pass", checkID, note) }

// WarnTTL marks a TTL check warning, with note as its output.
func (a *Agent) WarnTTL(checkID, note string) error { return a.ttl("warn", checkID, note) }

// FailTTL marks a TTL check critical, with note as its output.
func (a *Agent) FailTTL(checkID, note string) error { return a.ttl("fail", checkID, note) }

func (a *Agent) ttl(verb, checkID, note string) error {
	return a.put("/v1/agent/check/"+verb+"/"+checkID, map[string]string{"note": note}, nil, nil)
}

// UpdateTTL sets a TTL check's status and output. Status is passing,
// warning or critical, or the short forms pass, warn and fail.
func (a *Agent) UpdateTTL(checkID, output, status string) error {
	return a.UpdateTTLOpts(checkID, output, status, nil)
}

// UpdateTTLOpts is UpdateTTL with options.
func (a *Agent) UpdateTTLOpts(checkID, output, status string, q *QueryOptions) error {
	switch status {
	case "pass", HealthPassing:
		status = HealthPassing
	case "warn", HealthWarning:
		status = HealthWarning
	case "fail", HealthCritical:
		status = HealthCritical
	default:
		return fmt.Errorf("update check %q: %w: %s", checkID, ErrInvalidStatus, status)
	}
	return a.put("/v1/agent/check/update/"+checkID, nil, &CheckUpdate{Status: status, Output: output}, q)
}

// EnableServiceMaintenance puts a local service in maintenance mode.
func (a *Agent) EnableServiceMaintenance(serviceID, reason string) error {
	return a.put("/v1/agent/service/maintenance/"+serviceID,
		map[string]string{"enable": "true", "reason": reason}, nil, nil)
}

// DisableServiceMaintenance takes a local service out of maintenance mode.
func (a *Agent) DisableServiceMaintenance(serviceID string) error {
	return a.put("/v1/agent/service/maintenance/"+serviceID, map[string]string{"enable": "false"}, nil, nil)
}

// EnableNodeMaintenance puts the agent's node in maintenance mode.
func (a *Agent) EnableNodeMaintenance(reason string) error {
	return a.put("/v1/agent/maintenance", map[string]string{"enable": "true", "reason": reason}, nil, nil)
}

// DisableNodeMaintenance takes the agent's node out of maintenance mode.
func (a *Agent) DisableNodeMaintenance() error {
	return a.put("/v1/agent/maintenance", map[string]string{"enable": "false"}, nil, nil)
}

// Reload makes the agent re-read its configuration files.
func (a *Agent) Reload() error {
	return a.put("/v1/agent/reload", nil, nil, nil)
}

// AgentHealthServiceByID returns a local service's aggregated health and
// checks. A service that does not exist is critical with nil info.
func (a *Agent) AgentHealthServiceByID(serviceID string) (string, *AgentServiceChecksInfo, error) {
	var out *AgentServiceChecksInfo
	status, err := a.localHealth("/v1/agent/health/service/id/"+serviceID, &out)
	return status, out, err
}

// AgentHealthServiceByName returns the aggregated health and checks of the
// local instances of a service.
func (a *Agent) AgentHealthServiceByName(service string) (string, []AgentServiceChecksInfo, error) {
	var out []AgentServiceChecksInfo
	status, err := a.localHealth("/v1/agent/health/service/name/"+service, &out)
	return status, out, err
}

// localHealth reads an endpoint that encodes health in its status code:
// 200 passing, 429 warning, 503 critical, 404 unknown service.
func (a *Agent) localHealth(path string, out any) (string, error) {
	r := a.c.newRequest(http.MethodGet, path)
	r.params.Set("format", "json")
	r.header.Set("Accept", "application/json")
	r.accept = []int{http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable}
	resp, _, err := a.c.send(r)
	if err != nil {
		return HealthCritical, err
	}
	defer closeBody(resp)
	status := HealthPassing
	switch resp.StatusCode {
	case http.StatusNotFound:
		return HealthCritical, nil
	case http.StatusTooManyRequests:
		status = HealthWarning
	case http.StatusServiceUnavailable:
		status = HealthCritical
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return HealthCritical, fmt.Errorf("decode %s: %w", path, err)
	}
	return status, nil
}

// put sends a PUT with optional query parameters and JSON body.
func (a *Agent) put(path string, params map[string]string, body any, q *QueryOptions) error {
	r := a.c.newRequest(http.MethodPut, path)
	r.setQueryOptions(q)
	for k, v := range params {
		r.params.Set(k, v)
	}
	if body != nil {
		r.body = body
	}
	_, err := a.c.exec(r, nil)
	return err
}
