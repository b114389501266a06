package httpapi

import (
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// fromCatalogRegistration validates a /v1/catalog/register body and turns
// it into one atomic registration.
func fromCatalogRegistration(in *api.CatalogRegistration, dc string) (*state.Registration, error) {
	if in.Node == "" {
		return nil, badRequest("Must provide node")
	}
	if in.Address == "" && !in.SkipNodeUpdate {
		return nil, badRequest("Must provide address if SkipNodeUpdate is not set")
	}
	if in.Datacenter == "" {
		in.Datacenter = dc
	}
	reg := &state.Registration{
		Node: state.Node{
			ID: in.ID, Node: in.Node, Address: in.Address, Datacenter: in.Datacenter,
			TaggedAddresses: in.TaggedAddresses, Meta: in.NodeMeta,
		},
		SkipNodeUpdate: in.SkipNodeUpdate,
	}
	if in.Service != nil {
		svc, err := fromAPIService(in.Service, in.Node)
		if err != nil {
			return nil, err
		}
		reg.Service = svc
	}
	checks := in.Checks
	if in.Check != nil {
		checks = append(api.HealthChecks{agentCheckAsHealthCheck(in.Check)}, checks...)
	}
	for _, hc := range checks {
		c := fromAPICheck(hc, in.Node)
		if c.CheckID == "" {
			return nil, badRequest("Must provide a CheckID or Name for every check")
		}
		if !validStatus(c.Status) {
			return nil, badRequest("Invalid check status %q", c.Status)
		}
		reg.Checks = append(reg.Checks, c)
	}
	return reg, nil
}

func fromAPIService(in *api.AgentService, node string) (*state.Service, error) {
	if in.Service == "" {
		return nil, badRequest("Must provide service name")
	}
	svc := &state.Service{
		Node: node, ID: in.ID, Name: in.Service, Kind: string(in.Kind), Tags: in.Tags,
		Address: in.Address, Port: in.Port, SocketPath: in.SocketPath, Meta: in.Meta,
		Weights:           state.Weights{Passing: in.Weights.Passing, Warning: in.Weights.Warning},
		EnableTagOverride: in.EnableTagOverride,
	}
	if svc.ID == "" {
		svc.ID = svc.Name
	}
	if svc.Weights == (state.Weights{}) {
		svc.Weights = state.Weights{Passing: 1, Warning: 1}
	}
	if len(in.TaggedAddresses) > 0 {
		svc.TaggedAddresses = make(map[string]state.ServiceAddress, len(in.TaggedAddresses))
		for k, v := range in.TaggedAddresses {
			svc.TaggedAddresses[k] = state.ServiceAddress{Address: v.Address, Port: v.Port}
		}
	}
	if in.Proxy != nil {
		svc.Proxy = fromAPIProxy(in.Proxy)
	}
	if in.Connect != nil {
		svc.Connect.Native = in.Connect.Native
	}
	return svc, nil
}

func fromAPIProxy(p *api.AgentServiceConnectProxyConfig) state.Proxy {
	out := state.Proxy{
		DestinationServiceName: p.DestinationServiceName,
		DestinationServiceID:   p.DestinationServiceID,
		LocalServiceAddress:    p.LocalServiceAddress,
		LocalServicePort:       p.LocalServicePort,
		LocalServiceSocketPath: p.LocalServiceSocketPath,
		Mode:                   string(p.Mode),
		Config:                 p.Config,
		MeshGateway:            state.MeshGatewayConfig{Mode: string(p.MeshGateway.Mode)},
		Expose:                 state.ExposeConfig{Checks: p.Expose.Checks},
	}
	for _, u := range p.Upstreams {
		out.Upstreams = append(out.Upstreams, state.Upstream{
			DestinationType: string(u.DestinationType), DestinationNamespace: u.DestinationNamespace,
			DestinationPartition: u.DestinationPartition, DestinationPeer: u.DestinationPeer,
			DestinationName: u.DestinationName, Datacenter: u.Datacenter,
			LocalBindAddress: u.LocalBindAddress, LocalBindPort: u.LocalBindPort,
			LocalBindSocketPath: u.LocalBindSocketPath, LocalBindSocketMode: u.LocalBindSocketMode,
			Config: u.Config, MeshGateway: state.MeshGatewayConfig{Mode: string(u.MeshGateway.Mode)},
			CentrallyConfigured: u.CentrallyConfigured,
		})
	}
	for _, e := range p.Expose.Paths {
		out.Expose.Paths = append(out.Expose.Paths, state.ExposePath{
			ListenerPort: e.ListenerPort, Path: e.Path, LocalPathPort: e.LocalPathPort,
			Protocol: e.Protocol, ParsedFromCheck: e.ParsedFromCheck,
		})
	}
	return out
}

func fromAPICheck(in *api.HealthCheck, node string) *state.HealthCheck {
	d := &in.Definition
	c := &state.HealthCheck{
		Node: node, CheckID: in.CheckID, Name: in.Name, Status: in.Status, Notes: in.Notes,
		Output: in.Output, ServiceID: in.ServiceID, Type: in.Type,
		Definition: state.CheckDefinition{
			HTTP: d.HTTP, Header: d.Header, Method: d.Method, Body: d.Body,
			TLSServerName: d.TLSServerName, TLSSkipVerify: d.TLSSkipVerify,
			TCP: d.TCP, TCPUseTLS: d.TCPUseTLS, UDP: d.UDP, GRPC: d.GRPC, GRPCUseTLS: d.GRPCUseTLS,
			OSService: d.OSService, Interval: d.IntervalDuration, Timeout: d.TimeoutDuration,
			DeregisterCriticalServiceAfter: d.DeregisterCriticalServiceAfterDuration,
		},
	}
	if c.CheckID == "" {
		c.CheckID = c.Name
	}
	if c.Status == "" {
		c.Status = state.HealthCritical
	}
	return c
}

// agentCheckAsHealthCheck reads the single Check of a catalog
// registration, which Consul's clients send in the AgentCheck shape.
func agentCheckAsHealthCheck(c *api.AgentCheck) *api.HealthCheck {
	return &api.HealthCheck{
		Node: c.Node, CheckID: c.CheckID, Name: c.Name, Status: c.Status, Notes: c.Notes,
		Output: c.Output, ServiceID: c.ServiceID, ServiceName: c.ServiceName, ServiceTags: c.ServiceTags,
		Type: c.Type, Interval: c.Interval, Timeout: c.Timeout, ExposedPort: c.ExposedPort,
		Definition: c.Definition,
	}
}

func validStatus(s string) bool {
	switch s {
	case state.HealthPassing, state.HealthWarning, state.HealthCritical:
		return true
	}
	return false
}
