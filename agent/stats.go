package agent

import (
	"runtime"
	"strconv"

	"github.com/pylonmesh/pylon/version"
)

// stats is the Stats section of /v1/agent/self, which `pylon info`
// prints: Consul's sections, each a map of names to strings, for what
// this agent has.
func (a *Agent) stats() map[string]map[string]string {
	cfg := a.config()
	acl := "disabled"
	if cfg.ACL.Enabled {
		acl = "enabled"
	}
	out := map[string]map[string]string{
		"agent": {
			"services": strconv.Itoa(len(a.local.Services())),
			"checks":   strconv.Itoa(len(a.local.Checks())),
		},
		"build": {"version": version.Version, "revision": version.Revision(), "prerelease": "", "version_metadata": ""},
		"runtime": {
			"os": runtime.GOOS, "arch": runtime.GOARCH, "version": runtime.Version(),
			"cpu_count": strconv.Itoa(runtime.NumCPU()), "max_procs": strconv.Itoa(runtime.GOMAXPROCS(0)),
			"goroutines": strconv.Itoa(runtime.NumGoroutine()),
		},
		"consul": {"server": strconv.FormatBool(a.server != nil), "acl": acl},
	}
	if s := a.server; s != nil {
		c := out["consul"]
		c["leader"] = strconv.FormatBool(s.IsLeader())
		c["leader_addr"] = s.Leader()
		c["bootstrap"] = strconv.FormatBool(cfg.Bootstrap)
		c["known_datacenters"] = strconv.Itoa(len(a.Datacenters()))
		out["raft"] = s.RaftStats()
	}
	if a.client != nil {
		out["consul"]["known_servers"] = strconv.Itoa(len(a.client.Servers()))
	}
	if lan := a.lan.Load(); lan != nil {
		out["serf_lan"] = lan.Stats()
	}
	if wan := a.wan.Load(); wan != nil {
		out["serf_wan"] = wan.Stats()
	}
	return out
}
