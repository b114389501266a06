package agent

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pylonmesh/pylon/agent/config"
)

// configOwned remembers which service and check IDs came from config
// files, so a reload can remove the ones that disappeared.
type configOwned struct {
	mu       sync.Mutex
	services map[string]bool
	checks   map[string]bool
}

func newConfigOwned() configOwned {
	return configOwned{services: make(map[string]bool), checks: make(map[string]bool)}
}

func (o *configOwned) setService(id string, owned bool) { o.set(o.services, id, owned) }
func (o *configOwned) setCheck(id string, owned bool)   { o.set(o.checks, id, owned) }
func (o *configOwned) dropService(id string)            { o.set(o.services, id, false) }
func (o *configOwned) dropCheck(id string)              { o.set(o.checks, id, false) }

func (o *configOwned) set(m map[string]bool, id string, owned bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if owned {
		m[id] = true
	} else {
		delete(m, id)
	}
}

func (o *configOwned) list(m map[string]bool) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	return out
}

// Reload re-reads the config sources and re-applies services, checks and
// node meta. A config that does not load changes nothing.
func (a *Agent) Reload() error { return a.ReloadConfig() }

// ReloadConfig is Reload under the name the command layer uses for SIGHUP.
func (a *Agent) ReloadConfig() error {
	if a.reload == nil {
		return errors.New("reload: this agent was started without config sources")
	}
	cfg, warnings, err := a.reload()
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	for _, w := range warnings {
		a.logger.Warn("config warning", "warning", w)
	}
	defer a.reloadWatches(cfg) // runs after a.mu is released
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range a.fromConfig.list(a.fromConfig.services) {
		if !definesService(cfg, id) && a.local.Service(id) != nil {
			if err := a.removeService(id); err != nil {
				return fmt.Errorf("reload: %w", err)
			}
		}
	}
	for _, id := range a.fromConfig.list(a.fromConfig.checks) {
		if !definesCheck(cfg, id) && a.local.Check(id) != nil {
			if err := a.removeCheck(id); err != nil {
				return fmt.Errorf("reload: %w", err)
			}
		}
	}
	a.cfg = cfg
	if a.acl != nil {
		// default_policy, down_policy and the TTLs reload as Consul's.
		if err := a.acl.Reconfigure(resolverConfig(cfg)); err != nil {
			return fmt.Errorf("reload: acl: %w", err)
		}
	}
	if a.httpAPI != nil {
		a.httpAPI.SetDefaultACLPolicy(defaultACLPolicy(cfg))
	}
	a.syncResolverTokens(cfg) // acl_tokens.go
	if a.client != nil {
		a.client.SetRateLimit(cfg.RPCRate, cfg.RPCMaxBurst) // rpc_rate reloads, as Consul's
	}
	if a.server != nil {
		a.server.SetRequestLimits(requestLimits(cfg)) // so do request_limits
	}
	a.local.SetNode(nodeIdentity(cfg, a.local.NodeInfo().ID))
	if err := a.loadConfigured(cfg); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	a.logger.Info("config reloaded", "services", len(cfg.Services), "checks", len(cfg.Checks))
	return nil
}

// loadConfigured registers the services and checks of the config files.
// Called with a.mu held.
func (a *Agent) loadConfigured(cfg *config.Runtime) error {
	for i := range cfg.Services {
		svc := cfg.Services[i]
		if err := a.addService(&svc, svc.Token, true, sourceConfig); err != nil {
			return fmt.Errorf("service %q from config: %w", svc.Name, err)
		}
	}
	for i := range cfg.Checks {
		chk := cfg.Checks[i]
		if err := a.addCheck(&chk, chk.Token, sourceConfig); err != nil {
			return fmt.Errorf("check %q from config: %w", chk.Name, err)
		}
	}
	return nil
}

func definesService(cfg *config.Runtime, id string) bool {
	for _, s := range cfg.Services {
		sid := s.ID
		if sid == "" {
			sid = s.Name
		}
		if sid == id || sid+"-sidecar-proxy" == id {
			return true
		}
	}
	return false
}

func definesCheck(cfg *config.Runtime, id string) bool {
	for _, c := range cfg.Checks {
		if c.ID == id || (c.ID == "" && c.Name == id) {
			return true
		}
	}
	return false
}
