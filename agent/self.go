package agent

import (
	"strconv"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/version"
)

// Self is the body of /v1/agent/self.
func (a *Agent) Self() map[string]any {
	cfg := a.config()
	node := a.local.NodeInfo()
	return map[string]any{
		"Config": map[string]any{
			"Datacenter":        cfg.Datacenter,
			"PrimaryDatacenter": cfg.Datacenter,
			"NodeName":          cfg.NodeName,
			"NodeID":            node.ID,
			"Revision":          version.Revision(),
			"Server":            cfg.Server,
			"Version":           version.Version,
			"BuildDate":         "",
		},
		"DebugConfig": map[string]any{
			"Datacenter": cfg.Datacenter, "NodeName": cfg.NodeName, "DevMode": cfg.DevMode,
			"ServerMode": cfg.Server, "DataDir": cfg.DataDir, "ClientAddrs": cfg.ClientAddrs,
			"AdvertiseAddrLAN": cfg.AdvertiseAddr, "HTTPPort": cfg.Ports.HTTP, "DNSPort": cfg.Ports.DNS,
			"GRPCPort": cfg.Ports.GRPC, "ServerPort": cfg.Ports.Server,
		},
		"Coord":  nil,
		"Member": a.selfMember(),
		"Stats":  a.stats(), // stats.go
		"Meta":   node.Meta,
		"xDS": map[string]any{
			"SupportedProxies": map[string][]string{"envoy": {}},
			"Port":             cfg.Ports.GRPC,
			"Ports":            map[string]int{"Plaintext": cfg.Ports.GRPC, "TLS": -1},
		},
	}
}

// selfMember is this agent as a member, for Self and for Members when
// gossip is off.
func (a *Agent) selfMember() api.AgentMember {
	cfg := a.config()
	node := a.local.NodeInfo()
	return api.AgentMember{
		Name: cfg.NodeName,
		Addr: node.Address,
		Port: uint16(cfg.Ports.SerfLAN),
		Tags: map[string]string{
			"role": "consul", "dc": cfg.Datacenter, "id": node.ID, "segment": "",
			"port": strconv.Itoa(cfg.Ports.Server), "bootstrap": "1", "build": version.Version + ":" + version.Revision(),
			"vsn": "2", "vsn_min": "2", "vsn_max": "3", "raft_vsn": "3",
			"grpc_port": strconv.Itoa(cfg.Ports.GRPC),
		},
		Status:      1,
		ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2,
		DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
	}
}
