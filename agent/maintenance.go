package agent

import (
	"fmt"

	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/server/state"
)

// Maintenance checks are always critical, which takes the service (or the
// whole node) out of DNS and ?passing results while they exist.
const (
	nodeMaintID        = "_node_maintenance"
	serviceMaintPrefix = "_service_maintenance:"
)

// ServiceMaintenance puts a service into or out of maintenance mode.
func (a *Agent) ServiceMaintenance(serviceID string, enable bool, reason, token string) error {
	return a.syncAfter(a.serviceMaintenance(serviceID, enable, reason, token))
}

func (a *Agent) serviceMaintenance(serviceID string, enable bool, reason, token string) error {
	if a.local.Service(serviceID) == nil {
		return fmt.Errorf("%w: %q", local.ErrUnknownService, serviceID)
	}
	id := serviceMaintPrefix + serviceID
	if !enable {
		return a.dropMaint(id)
	}
	if reason == "" {
		reason = "Maintenance mode is enabled for this service, but no reason was provided. This is a default message."
	}
	return a.local.AddCheck(&state.HealthCheck{
		CheckID: id, Name: "Service Maintenance Mode", Notes: reason, ServiceID: serviceID,
		Status: state.HealthCritical, Type: "maintenance",
	}, token)
}

// NodeMaintenance puts the whole node into or out of maintenance mode.
func (a *Agent) NodeMaintenance(enable bool, reason, token string) error {
	return a.syncAfter(a.nodeMaintenance(enable, reason, token))
}

func (a *Agent) nodeMaintenance(enable bool, reason, token string) error {
	if !enable {
		return a.dropMaint(nodeMaintID)
	}
	if reason == "" {
		reason = "Maintenance mode is enabled for this node, but no reason was provided. This is a default message."
	}
	return a.local.AddCheck(&state.HealthCheck{
		CheckID: nodeMaintID, Name: "Node Maintenance Mode", Notes: reason,
		Status: state.HealthCritical, Type: "maintenance",
	}, token)
}

// dropMaint removes a maintenance check; disabling twice is not an error.
func (a *Agent) dropMaint(id string) error {
	if a.local.Check(id) == nil {
		return nil
	}
	return a.local.RemoveCheck(id)
}
