package httpapi

import (
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// This file converts stored records to the api package's wire types and
// back. Empty collections become [] or {} as Consul's clients expect.

func toAPINode(n *state.Node) *api.Node {
	return &api.Node{
		ID:              n.ID,
		Node:            n.Node,
		Address:         n.Address,
		Datacenter:      n.Datacenter,
		TaggedAddresses: orEmptyMap(n.TaggedAddresses),
		Meta:            orEmptyMap(n.Meta),
		CreateIndex:     n.CreateIndex,
		ModifyIndex:     n.ModifyIndex,
	}
}

func toAPIService(s *state.Service, dc string) *api.AgentService {
	out := &api.AgentService{
		Kind:              api.ServiceKind(s.Kind),
		ID:                s.ID,
		Service:           s.Name,
		Tags:              orEmpty(s.Tags),
		Meta:              orEmptyMap(s.Meta),
		Port:              s.Port,
		Address:           s.Address,
		SocketPath:        s.SocketPath,
		TaggedAddresses:   toAPIServiceAddresses(s.TaggedAddresses),
		Weights:           api.AgentWeights{Passing: s.Weights.Passing, Warning: s.Weights.Warning},
		EnableTagOverride: s.EnableTagOverride,
		CreateIndex:       s.CreateIndex,
		ModifyIndex:       s.ModifyIndex,
		Datacenter:        dc,
	}
	if s.Kind != state.KindTypical {
		out.Proxy = toAPIProxy(&s.Proxy)
	}
	if s.Connect.Native {
		out.Connect = &api.AgentServiceConnect{Native: true}
	}
	return out
}

func toAPIServiceAddresses(m map[string]state.ServiceAddress) map[string]api.ServiceAddress {
	out := make(map[string]api.ServiceAddress, len(m))
	for k, v := range m {
		out[k] = api.ServiceAddress{Address: v.Address, Port: v.Port}
	}
	return out
}

func toAPIProxy(p *state.Proxy) *api.AgentServiceConnectProxyConfig {
	out := &api.AgentServiceConnectProxyConfig{
		DestinationServiceName: p.DestinationServiceName,
		DestinationServiceID:   p.DestinationServiceID,
		LocalServiceAddress:    p.LocalServiceAddress,
		LocalServicePort:       p.LocalServicePort,
		LocalServiceSocketPath: p.LocalServiceSocketPath,
		Mode:                   api.ProxyMode(p.Mode),
		Config:                 p.Config,
		MeshGateway:            api.MeshGatewayConfig{Mode: api.MeshGatewayMode(p.MeshGateway.Mode)},
		Expose:                 api.ExposeConfig{Checks: p.Expose.Checks},
	}
	for _, u := range p.Upstreams {
		out.Upstreams = append(out.Upstreams, api.Upstream{
			DestinationType:      api.UpstreamDestType(u.DestinationType),
			DestinationNamespace: u.DestinationNamespace,
			DestinationPartition: u.DestinationPartition,
			DestinationPeer:      u.DestinationPeer,
			DestinationName:      u.DestinationName,
			Datacenter:           u.Datacenter,
			LocalBindAddress:     u.LocalBindAddress,
			LocalBindPort:        u.LocalBindPort,
			LocalBindSocketPath:  u.LocalBindSocketPath,
			LocalBindSocketMode:  u.LocalBindSocketMode,
			Config:               u.Config,
			MeshGateway:          api.MeshGatewayConfig{Mode: api.MeshGatewayMode(u.MeshGateway.Mode)},
			CentrallyConfigured:  u.CentrallyConfigured,
		})
	}
	for _, e := range p.Expose.Paths {
		out.Expose.Paths = append(out.Expose.Paths, api.ExposePath{
			ListenerPort: e.ListenerPort, Path: e.Path, LocalPathPort: e.LocalPathPort,
			Protocol: e.Protocol, ParsedFromCheck: e.ParsedFromCheck,
		})
	}
	return out
}

func toAPICheck(c *state.HealthCheck) *api.HealthCheck {
	d := &c.Definition
	return &api.HealthCheck{
		Node:        c.Node,
		CheckID:     c.CheckID,
		Name:        c.Name,
		Status:      c.Status,
		Notes:       c.Notes,
		Output:      c.Output,
		ServiceID:   c.ServiceID,
		ServiceName: c.ServiceName,
		ServiceTags: orEmpty(c.ServiceTags),
		Type:        c.Type,
		ExposedPort: c.ExposedPort,
		Interval:    c.Interval,
		Timeout:     c.Timeout,
		Definition: api.HealthCheckDefinition{
			HTTP:                                   d.HTTP,
			Header:                                 d.Header,
			Method:                                 d.Method,
			Body:                                   d.Body,
			TLSServerName:                          d.TLSServerName,
			TLSSkipVerify:                          d.TLSSkipVerify,
			TCP:                                    d.TCP,
			TCPUseTLS:                              d.TCPUseTLS,
			UDP:                                    d.UDP,
			GRPC:                                   d.GRPC,
			GRPCUseTLS:                             d.GRPCUseTLS,
			OSService:                              d.OSService,
			IntervalDuration:                       d.Interval,
			TimeoutDuration:                        d.Timeout,
			DeregisterCriticalServiceAfterDuration: d.DeregisterCriticalServiceAfter,
		},
		CreateIndex: c.CreateIndex,
		ModifyIndex: c.ModifyIndex,
	}
}

func toAPIChecks(cs []*state.HealthCheck) api.HealthChecks {
	out := make(api.HealthChecks, 0, len(cs))
	for _, c := range cs {
		out = append(out, toAPICheck(c))
	}
	return out
}

func toCatalogService(sn state.ServiceNode) *api.CatalogService {
	n, s := sn.Node, sn.Service
	out := &api.CatalogService{
		ID:                       n.ID,
		Node:                     n.Node,
		Address:                  n.Address,
		Datacenter:               n.Datacenter,
		TaggedAddresses:          orEmptyMap(n.TaggedAddresses),
		NodeMeta:                 orEmptyMap(n.Meta),
		ServiceKind:              api.ServiceKind(s.Kind),
		ServiceID:                s.ID,
		ServiceName:              s.Name,
		ServiceAddress:           s.Address,
		ServiceTaggedAddresses:   toAPIServiceAddresses(s.TaggedAddresses),
		ServiceTags:              orEmpty(s.Tags),
		ServiceMeta:              orEmptyMap(s.Meta),
		ServicePort:              s.Port,
		ServiceWeights:           api.Weights{Passing: s.Weights.Passing, Warning: s.Weights.Warning},
		ServiceEnableTagOverride: s.EnableTagOverride,
		CreateIndex:              s.CreateIndex,
		ModifyIndex:              s.ModifyIndex,
	}
	if s.Kind != state.KindTypical {
		out.ServiceProxy = toAPIProxy(&s.Proxy)
	}
	return out
}

func toServiceEntry(csn state.CheckServiceNode, dc string) *api.ServiceEntry {
	return &api.ServiceEntry{
		Node:    toAPINode(csn.Node),
		Service: toAPIService(csn.Service, dc),
		Checks:  toAPIChecks(csn.Checks),
	}
}

func orEmpty[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

func orEmptyMap[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}
