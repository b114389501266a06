package command

import (
	"time"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
)

// This file turns service definitions read from config files into the
// registration bodies of the agent API.

func serviceRegistration(d *config.ServiceDefinition) *api.AgentServiceRegistration {
	r := &api.AgentServiceRegistration{
		Kind: api.ServiceKind(d.Kind), ID: d.ID, Name: d.Name, Tags: d.Tags, Port: d.Port,
		Address: d.Address, SocketPath: d.SocketPath, Meta: d.Meta, EnableTagOverride: d.EnableTagOverride,
	}
	if len(d.TaggedAddresses) > 0 {
		r.TaggedAddresses = make(map[string]api.ServiceAddress, len(d.TaggedAddresses))
		for k, v := range d.TaggedAddresses {
			r.TaggedAddresses[k] = api.ServiceAddress{Address: v.Address, Port: v.Port}
		}
	}
	if d.Weights != nil {
		r.Weights = &api.AgentWeights{Passing: d.Weights.Passing, Warning: d.Weights.Warning}
	}
	if d.Locality != nil {
		r.Locality = &api.Locality{Region: d.Locality.Region, Zone: d.Locality.Zone}
	}
	for i := range d.Checks {
		r.Checks = append(r.Checks, serviceCheck(&d.Checks[i]))
	}
	if d.Connect != nil {
		r.Connect = &api.AgentServiceConnect{Native: d.Connect.Native}
		if d.Connect.SidecarService != nil {
			r.Connect.SidecarService = serviceRegistration(d.Connect.SidecarService)
		}
	}
	if d.Proxy != nil {
		r.Proxy = proxyConfig(d.Proxy)
	}
	return r
}

func serviceCheck(c *config.CheckDefinition) *api.AgentServiceCheck {
	return &api.AgentServiceCheck{
		CheckID: c.ID, Name: c.Name, Notes: c.Notes, Status: c.Status,
		Args: c.ScriptArgs, DockerContainerID: c.DockerContainerID, Shell: c.Shell,
		Interval: durationString(c.Interval), Timeout: durationString(c.Timeout), TTL: durationString(c.TTL),
		HTTP: c.HTTP, Header: c.Header, Method: c.Method, Body: c.Body, DisableRedirects: c.DisableRedirects,
		TLSServerName: c.TLSServerName, TLSSkipVerify: c.TLSSkipVerify,
		TCP: c.TCP, TCPUseTLS: c.TCPUseTLS, UDP: c.UDP, GRPC: c.GRPC, GRPCUseTLS: c.GRPCUseTLS,
		// Only an h2ping check carries the flag; it defaults to true.
		H2PING: c.H2PING, H2PingUseTLS: c.H2PING != "" && c.H2PingUseTLS, OSService: c.OSService,
		AliasNode: c.AliasNode, AliasService: c.AliasService,
		SuccessBeforePassing: c.SuccessBeforePassing, FailuresBeforeWarning: c.FailuresBeforeWarning,
		FailuresBeforeCritical: c.FailuresBeforeCritical, OutputMaxSize: c.OutputMaxSize,
		DeregisterCriticalServiceAfter: durationString(c.DeregisterCriticalServiceAfter),
	}
}

func proxyConfig(p *config.ProxyConfig) *api.AgentServiceConnectProxyConfig {
	out := &api.AgentServiceConnectProxyConfig{
		DestinationServiceName: p.DestinationServiceName, DestinationServiceID: p.DestinationServiceID,
		LocalServiceAddress: p.LocalServiceAddress, LocalServicePort: p.LocalServicePort,
		LocalServiceSocketPath: p.LocalServiceSocketPath, Mode: api.ProxyMode(p.Mode), Config: p.Config,
		MeshGateway: api.MeshGatewayConfig{Mode: api.MeshGatewayMode(p.MeshGateway.Mode)},
		Expose:      api.ExposeConfig{Checks: p.Expose.Checks},
	}
	for _, u := range p.Upstreams {
		out.Upstreams = append(out.Upstreams, api.Upstream{
			DestinationType: api.UpstreamDestType(u.DestinationType), DestinationNamespace: u.DestinationNamespace,
			DestinationPartition: u.DestinationPartition, DestinationPeer: u.DestinationPeer,
			DestinationName: u.DestinationName, Datacenter: u.Datacenter,
			LocalBindAddress: u.LocalBindAddress, LocalBindPort: u.LocalBindPort,
			LocalBindSocketPath: u.LocalBindSocketPath, LocalBindSocketMode: u.LocalBindSocketMode,
			Config: u.Config, MeshGateway: api.MeshGatewayConfig{Mode: api.MeshGatewayMode(u.MeshGateway.Mode)},
		})
	}
	for _, e := range p.Expose.Paths {
		out.Expose.Paths = append(out.Expose.Paths, api.ExposePath{
			ListenerPort: e.ListenerPort, Path: e.Path, LocalPathPort: e.LocalPathPort, Protocol: e.Protocol,
		})
	}
	return out
}

// durationString renders a duration for the API; zero means not set.
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
