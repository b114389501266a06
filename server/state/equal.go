package state

import (
	"maps"
	"reflect"
	"slices"
)

// Equality of records apart from their Raft indexes, used to leave
// unchanged records alone. A nil map or slice equals an empty one.
// equal_test.go checks that every field of every record is compared, so a
// field added to a record without a line here fails the tests.

func nodeEqual(a, b *Node) bool {
	return a.ID == b.ID && a.Node == b.Node && a.Address == b.Address &&
		a.Datacenter == b.Datacenter &&
		maps.Equal(a.TaggedAddresses, b.TaggedAddresses) && maps.Equal(a.Meta, b.Meta)
}

func serviceEqual(a, b *Service) bool {
	return a.Node == b.Node && a.ID == b.ID && a.Name == b.Name && a.Kind == b.Kind &&
		stringsEqual(a.Tags, b.Tags) && a.Address == b.Address && a.Port == b.Port &&
		a.SocketPath == b.SocketPath && maps.Equal(a.TaggedAddresses, b.TaggedAddresses) &&
		maps.Equal(a.Meta, b.Meta) && a.Weights == b.Weights &&
		a.EnableTagOverride == b.EnableTagOverride && a.Connect == b.Connect &&
		proxyEqual(&a.Proxy, &b.Proxy)
}

func proxyEqual(a, b *Proxy) bool {
	return a.DestinationServiceName == b.DestinationServiceName &&
		a.DestinationServiceID == b.DestinationServiceID &&
		a.LocalServiceAddress == b.LocalServiceAddress &&
		a.LocalServicePort == b.LocalServicePort &&
		a.LocalServiceSocketPath == b.LocalServiceSocketPath && a.Mode == b.Mode &&
		anyMapEqual(a.Config, b.Config) &&
		slices.EqualFunc(a.Upstreams, b.Upstreams, upstreamEqual) &&
		a.MeshGateway == b.MeshGateway && a.Expose.Checks == b.Expose.Checks &&
		slices.Equal(a.Expose.Paths, b.Expose.Paths)
}

func upstreamEqual(a, b Upstream) bool {
	return a.DestinationType == b.DestinationType &&
		a.DestinationNamespace == b.DestinationNamespace &&
		a.DestinationPartition == b.DestinationPartition &&
		a.DestinationPeer == b.DestinationPeer && a.DestinationName == b.DestinationName &&
		a.Datacenter == b.Datacenter && a.LocalBindAddress == b.LocalBindAddress &&
		a.LocalBindPort == b.LocalBindPort && a.LocalBindSocketPath == b.LocalBindSocketPath &&
		a.LocalBindSocketMode == b.LocalBindSocketMode && anyMapEqual(a.Config, b.Config) &&
		a.MeshGateway == b.MeshGateway && a.CentrallyConfigured == b.CentrallyConfigured
}

func checkEqual(a, b *HealthCheck) bool {
	return a.Node == b.Node && a.CheckID == b.CheckID && a.Name == b.Name &&
		a.Status == b.Status && a.Notes == b.Notes && a.Output == b.Output &&
		a.ServiceID == b.ServiceID && a.ServiceName == b.ServiceName &&
		stringsEqual(a.ServiceTags, b.ServiceTags) && a.Type == b.Type &&
		a.ExposedPort == b.ExposedPort && a.Interval == b.Interval && a.Timeout == b.Timeout &&
		checkDefinitionEqual(&a.Definition, &b.Definition)
}

func checkDefinitionEqual(a, b *CheckDefinition) bool {
	return a.HTTP == b.HTTP && a.TLSServerName == b.TLSServerName &&
		a.TLSSkipVerify == b.TLSSkipVerify &&
		maps.EqualFunc(a.Header, b.Header, stringsEqual) &&
		a.Method == b.Method && a.Body == b.Body && a.DisableRedirects == b.DisableRedirects &&
		a.TCP == b.TCP && a.TCPUseTLS == b.TCPUseTLS && a.UDP == b.UDP && a.H2PING == b.H2PING &&
		a.H2PingUseTLS == b.H2PingUseTLS && a.GRPC == b.GRPC && a.GRPCUseTLS == b.GRPCUseTLS &&
		a.OSService == b.OSService && a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.DeregisterCriticalServiceAfter == b.DeregisterCriticalServiceAfter
}

func stringsEqual(a, b []string) bool { return slices.Equal(a, b) }

// anyMapEqual compares free-form config maps.
func anyMapEqual(a, b map[string]any) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return reflect.DeepEqual(a, b)
}
