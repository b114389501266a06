package api

import (
	"fmt"
)

// Health reaches the /v1/health endpoints: the catalog seen through checks.
type Health struct {
	c *Client
}

// Health returns a handle for the health endpoints.
func (c *Client) Health() *Health { return &Health{c: c} }

// Node returns the checks of a node and of its services.
func (h *Health) Node(node string, q *QueryOptions) (HealthChecks, *QueryMeta, error) {
	var out HealthChecks
	qm, err := getWith(h.c, "/v1/health/node/"+node, q, nil, &out)
	return out, qm, err
}

// Checks returns the checks of every instance of a service.
func (h *Health) Checks(service string, q *QueryOptions) (HealthChecks, *QueryMeta, error) {
	var out HealthChecks
	qm, err := getWith(h.c, "/v1/health/checks/"+service, q, nil, &out)
	return out, qm, err
}

// Service returns the instances of a service with their nodes and checks.
// With passingOnly, instances with any non-passing check are left out.
func (h *Health) Service(service, tag string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	return h.entries("/v1/health/service/", service, oneTag(tag), passingOnly, q)
}

// ServiceMultipleTags is Service for instances that have all tags.
func (h *Health) ServiceMultipleTags(service string, tags []string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	return h.entries("/v1/health/service/", service, tags, passingOnly, q)
}

// Connect is Service for the mesh-capable endpoints of a service.
func (h *Health) Connect(service, tag string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	return h.entries("/v1/health/connect/", service, oneTag(tag), passingOnly, q)
}

// ConnectMultipleTags is Connect for endpoints that have all tags.
func (h *Health) ConnectMultipleTags(service string, tags []string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	return h.entries("/v1/health/connect/", service, tags, passingOnly, q)
}

// Ingress returns the ingress gateways that expose a service.
func (h *Health) Ingress(service string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	return h.entries("/v1/health/ingress/", service, nil, passingOnly, q)
}

func (h *Health) entries(prefix, service string, tags []string, passingOnly bool, q *QueryOptions) ([]*ServiceEntry, *QueryMeta, error) {
	extra := map[string][]string{"tag": tags}
	if passingOnly {
		extra[HealthPassing] = []string{"1"}
	}
	var out []*ServiceEntry
	qm, err := getWith(h.c, prefix+service, q, extra, &out)
	return out, qm, err
}

// State returns every check in a state: any, passing, warning or critical.
func (h *Health) State(state string, q *QueryOptions) (HealthChecks, *QueryMeta, error) {
	switch state {
	case HealthAny, HealthPassing, HealthWarning, HealthCritical:
	default:
		return nil, nil, fmt.Errorf("health state %q: %w", state, ErrInvalidStatus)
	}
	var out HealthChecks
	qm, err := getWith(h.c, "/v1/health/state/"+state, q, nil, &out)
	return out, qm, err
}
