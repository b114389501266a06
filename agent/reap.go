package agent

import (
	"context"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// reapInterval is how often services whose checks stay critical are
// looked at (Consul: 30s).
var reapInterval = 30 * time.Second

// reapCritical deregisters services with a check that has been critical
// for longer than its deregister_critical_service_after.
func (a *Agent) reapCritical(ctx context.Context) {
	since := make(map[string]time.Time) // check ID -> first seen critical
	t := time.NewTicker(reapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			a.reapOnce(now, since)
		}
	}
}

func (a *Agent) reapOnce(now time.Time, since map[string]time.Time) {
	checks := a.local.Checks()
	for id := range since {
		if hc, ok := checks[id]; !ok || hc.Status != state.HealthCritical {
			delete(since, id)
		}
	}
	for id, hc := range checks {
		timeout := hc.Definition.DeregisterCriticalServiceAfter
		if timeout <= 0 || hc.ServiceID == "" || hc.Status != state.HealthCritical {
			continue
		}
		first, ok := since[id]
		if !ok {
			since[id] = now
			continue
		}
		if now.Sub(first) < timeout {
			continue
		}
		a.mu.Lock()
		err := a.removeService(hc.ServiceID)
		a.mu.Unlock()
		if err == nil {
			a.logger.Info("deregistered service with a critical check", "service", hc.ServiceID, "check", id, "after", timeout)
		}
		delete(since, id)
	}
}
