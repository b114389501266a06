package local

import "github.com/pylonmesh/pylon/server/state"

// statusRank orders statuses from best to worst.
var statusRank = map[string]int{
	state.HealthPassing:  0,
	state.HealthWarning:  1,
	state.HealthCritical: 2,
	state.HealthMaint:    3,
}

// WorseStatus returns the worse of two check statuses.
func WorseStatus(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

// AliasStatus returns the worst status among a local service's checks and
// the node's own checks, "passing" when there are none, and found=false
// when the service is not registered here. An empty serviceID asks about
// the node alone. Only this agent's node can be aliased.
func (l *State) AliasStatus(node, serviceID string) (string, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if node != "" && node != l.node.Name {
		return "", false
	}
	if serviceID != "" {
		if e, ok := l.services[serviceID]; !ok || e.deleted {
			return "", false
		}
	}
	status := state.HealthPassing
	for _, ce := range l.checks {
		// A node-level alias check must not count itself (or another
		// alias), or it could never leave critical.
		if ce.deleted || (ce.check.ServiceID == "" && ce.check.Type == "alias") {
			continue
		}
		if ce.check.ServiceID == "" || ce.check.ServiceID == serviceID {
			status = WorseStatus(status, ce.check.Status)
		}
	}
	return status, true
}
