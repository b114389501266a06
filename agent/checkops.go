package agent

import (
	"fmt"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/local"
)

// RegisterCheck adds or replaces a check from the agent API.
func (a *Agent) RegisterCheck(def *config.CheckDefinition, token string) error {
	a.mu.Lock()
	err := a.addCheck(def, token, sourceAPI)
	a.mu.Unlock()
	return a.syncAfter(err)
}

func (a *Agent) addCheck(in *config.CheckDefinition, token string, src source) error {
	def := *in
	if def.ID == "" {
		def.ID = def.Name
	}
	if err := def.Validate(); err != nil {
		return fmt.Errorf("%w: %v", local.ErrInvalid, err)
	}
	r, err := a.checks.prepare(def.ID, &def, a.allowScripts(src))
	if err != nil {
		return fmt.Errorf("%w: check %q: %v", local.ErrInvalid, def.ID, err)
	}
	if err := a.local.AddCheck(checkRecord(def.ID, &def), token); err != nil {
		return err
	}
	a.checks.run(def.ID, r)
	a.fromConfig.setCheck(def.ID, src == sourceConfig)
	if src == sourceAPI {
		return a.persist.saveCheck(&def, token)
	}
	return nil
}

// DeregisterCheck removes a check.
func (a *Agent) DeregisterCheck(id string) error {
	a.mu.Lock()
	err := a.removeCheck(id)
	a.mu.Unlock()
	return a.syncAfter(err)
}

func (a *Agent) removeCheck(id string) error {
	a.checks.stop(id)
	if err := a.local.RemoveCheck(id); err != nil {
		return err
	}
	a.persist.deleteCheck(id)
	a.fromConfig.dropCheck(id)
	return nil
}

// UpdateTTL sets the status of a TTL check and keeps it across restarts.
func (a *Agent) UpdateTTL(checkID, status, output string) error {
	return a.syncAfter(a.updateTTL(checkID, status, output))
}

func (a *Agent) updateTTL(checkID, status, output string) error {
	ttl, ok := a.checks.ttl(checkID)
	if !ok {
		if a.local.Check(checkID) == nil {
			return fmt.Errorf("%w: %q", local.ErrUnknownCheck, checkID)
		}
		return fmt.Errorf("%w: check %q is not a TTL check", local.ErrInvalid, checkID)
	}
	if err := ttl.SetStatus(status, output); err != nil {
		return fmt.Errorf("%w: %v", local.ErrInvalid, err)
	}
	if hc := a.local.Check(checkID); hc != nil {
		return a.persist.saveTTLState(checkID, hc.Status, hc.Output)
	}
	return nil
}
