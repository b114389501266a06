package agent

import (
	"fmt"
	"slices"

	"github.com/pylonmesh/pylon/agent/checks"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/server/state"
)

// source says where a registration came from: config files are re-read on
// reload; API registrations are persisted in the data directory.
type source int

const (
	sourceAPI source = iota
	sourceConfig
)

// RegisterService adds or replaces a service from the agent API.
func (a *Agent) RegisterService(def *config.ServiceDefinition, token string, replaceChecks bool) error {
	a.mu.Lock()
	err := a.addService(def, token, replaceChecks, sourceAPI)
	a.mu.Unlock()
	return a.syncAfter(err)
}

// addService validates a definition, expands its sidecar, registers both
// and persists API registrations. Nothing changes if validation fails.
func (a *Agent) addService(in *config.ServiceDefinition, token string, replace bool, src source) error {
	def := *in
	if def.ID == "" {
		def.ID = def.Name
	}
	if err := def.Validate(); err != nil {
		return fmt.Errorf("%w: %v", local.ErrInvalid, err)
	}
	sidecar, err := config.SidecarService(&def, a.sidecarPortPicker(def.ID+"-sidecar-proxy"))
	if err != nil {
		return fmt.Errorf("%w: sidecar of %q: %v", local.ErrInvalid, def.ID, err)
	}
	if sidecar != nil {
		if err := sidecar.Validate(); err != nil {
			return fmt.Errorf("%w: sidecar of %q: %v", local.ErrInvalid, def.ID, err)
		}
		// Pin the chosen port, so the sidecar keeps it across restarts.
		sc := *def.Connect.SidecarService
		sc.Port = sidecar.Port
		conn := *def.Connect
		conn.SidecarService = &sc
		def.Connect = &conn
	}
	if err := a.registerOne(&def, token, replace, src); err != nil {
		return err
	}
	if sidecar != nil {
		if sidecar.Token == "" {
			sidecar.Token = token
		}
		if err := a.registerOne(sidecar, sidecar.Token, replace, src); err != nil {
			return err
		}
	}
	if src == sourceAPI {
		return a.persist.saveService(&def, token)
	}
	return nil
}

// registerOne registers one service and its embedded checks.
func (a *Agent) registerOne(def *config.ServiceDefinition, token string, replace bool, src source) error {
	checkDefs := serviceCheckIDs(def)
	runners := make([]checks.Runner, len(checkDefs))
	records := make([]*state.HealthCheck, len(checkDefs))
	for i := range checkDefs {
		cd := &checkDefs[i]
		if err := cd.Validate(); err != nil {
			return fmt.Errorf("%w: check %q: %v", local.ErrInvalid, cd.ID, err)
		}
		r, err := a.checks.prepare(cd.ID, cd, a.allowScripts(src))
		if err != nil {
			return fmt.Errorf("%w: check %q: %v", local.ErrInvalid, cd.ID, err)
		}
		runners[i], records[i] = r, checkRecord(cd.ID, cd)
	}
	var dropped []string
	if replace {
		for _, hc := range a.local.ServiceChecks(def.ID) {
			if !slices.ContainsFunc(records, func(r *state.HealthCheck) bool { return r.CheckID == hc.CheckID }) {
				dropped = append(dropped, hc.CheckID)
			}
		}
	}
	if err := a.local.AddService(serviceRecord(def), records, token, replace); err != nil {
		return err
	}
	for _, id := range dropped {
		a.checks.stop(id)
		a.persist.deleteCheck(id)
	}
	for i, r := range runners {
		a.checks.run(records[i].CheckID, r)
	}
	a.fromConfig.setService(def.ID, src == sourceConfig)
	return nil
}

// allowScripts applies enable_script_checks (any source) and
// enable_local_script_checks (config files only).
func (a *Agent) allowScripts(src source) bool {
	return a.cfg.EnableScriptChecks || (src == sourceConfig && a.cfg.EnableLocalScriptChecks)
}

// sidecarPortPicker returns the port to give a sidecar: the one it already
// has, or the lowest port of the sidecar range no local service uses.
func (a *Agent) sidecarPortPicker(sidecarID string) func() (int, error) {
	return func() (int, error) {
		services := a.local.Services()
		if svc, ok := services[sidecarID]; ok && svc.Port != 0 {
			return svc.Port, nil
		}
		used := make(map[int]bool, len(services))
		for _, svc := range services {
			used[svc.Port] = true
		}
		lo, hi := a.cfg.Ports.SidecarMin, a.cfg.Ports.SidecarMax
		if lo <= 0 || hi < lo {
			return 0, fmt.Errorf("no sidecar port range is configured")
		}
		for p := lo; p <= hi; p++ {
			if !used[p] {
				return p, nil
			}
		}
		return 0, fmt.Errorf("no free port in the sidecar range %d-%d", lo, hi)
	}
}

// DeregisterService removes a service, its checks and the sidecar it
// created.
func (a *Agent) DeregisterService(id string) error {
	a.mu.Lock()
	err := a.removeService(id)
	a.mu.Unlock()
	return a.syncAfter(err)
}

func (a *Agent) removeService(id string) error {
	for _, hc := range a.local.ServiceChecks(id) {
		a.checks.stop(hc.CheckID)
		a.persist.deleteCheck(hc.CheckID)
	}
	if err := a.local.RemoveService(id); err != nil {
		return err
	}
	a.persist.deleteService(id)
	a.fromConfig.dropService(id)
	sidecarID := id + "-sidecar-proxy"
	if sc := a.local.Service(sidecarID); sc != nil && sc.Proxy.DestinationServiceID == id {
		return a.removeService(sidecarID)
	}
	return nil
}
