package watch

import (
	"strings"

	"github.com/pylonmesh/pylon/api"
)

// query holds the type-specific parameters of a watch.
type query struct {
	key, prefix, service, state, name, filter string
	tags                                      []string
	passingOnly, stale                        bool
}

// fetchFunc performs one (blocking) read of a watch's view. It returns the
// index to block on next and the value handed to the handler.
type fetchFunc func(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error)

// kind describes one watch type: the parameters it takes besides the
// global ones, those it needs, and how it reads its view.
type kind struct {
	params   []string // normalized names
	required []string // subset of params that must be set and non-empty
	check    func(q *query) error
	fetch    fetchFunc
	// hashIndex marks an index that is a hash (the event list's folded
	// event ID): it changes but has no order, so it never "goes back".
	hashIndex bool
}

// kindNames lists the watch types in the order error messages show them.
var kindNames = []string{"key", "keyprefix", "services", "nodes", "service", "checks", "event"}

var kinds = map[string]kind{
	"key":       {params: []string{"key", "stale"}, required: []string{"key"}, fetch: fetchKey},
	"keyprefix": {params: []string{"prefix", "stale"}, required: []string{"prefix"}, fetch: fetchKeyPrefix},
	"services":  {params: []string{"stale", "filter"}, fetch: fetchServices},
	"nodes":     {params: []string{"stale", "filter"}, fetch: fetchNodes},
	"service": {
		params:   []string{"service", "tag", "passingonly", "stale", "filter"},
		required: []string{"service"}, fetch: fetchService,
	},
	"checks": {params: []string{"service", "state", "stale", "filter"}, check: checkChecks, fetch: fetchChecks},
	"event":  {params: []string{"name"}, fetch: fetchEvents, hashIndex: true},
}

// globalParams are the keys every watch type takes.
var globalParams = []string{"datacenter", "token", "args", "handler", "handler_type", "http_handler_config"}

func (k kind) describe(name string) string {
	return "a " + name + " watch takes " + strings.Join(append(append([]string(nil), k.params...), globalParams...), ", ")
}

func fetchKey(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error) {
	pair, meta, err := c.KV().Get(q.key, opts)
	if err != nil {
		return 0, nil, err
	}
	if pair == nil {
		return meta.LastIndex, nil, nil // a missing key is JSON null, not a typed nil
	}
	return meta.LastIndex, pair, nil
}

func fetchKeyPrefix(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error) {
	pairs, meta, err := c.KV().List(q.prefix, opts)
	if err != nil {
		return 0, nil, err
	}
	return meta.LastIndex, pairs, nil
}

func fetchServices(c *api.Client, _ *query, opts *api.QueryOptions) (uint64, any, error) {
	services, meta, err := c.Catalog().Services(opts)
	if err != nil {
		return 0, nil, err
	}
	return meta.LastIndex, services, nil
}

func fetchNodes(c *api.Client, _ *query, opts *api.QueryOptions) (uint64, any, error) {
	nodes, meta, err := c.Catalog().Nodes(opts)
	if err != nil {
		return 0, nil, err
	}
	return meta.LastIndex, nodes, nil
}

func fetchService(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error) {
	entries, meta, err := c.Health().ServiceMultipleTags(q.service, q.tags, q.passingOnly, opts)
	if err != nil {
		return 0, nil, err
	}
	return meta.LastIndex, entries, nil
}

// checkChecks holds the checks type's rule: a service or a state, not both.
func checkChecks(q *query) error {
	if q.service != "" && q.state != "" {
		return paramErr("state", ErrInvalidParam, "a checks watch takes a service or a state, not both")
	}
	switch q.state {
	case "", api.HealthAny, api.HealthPassing, api.HealthWarning, api.HealthCritical:
		return nil
	}
	return paramErr("state", ErrInvalidParam, "%q (want any, passing, warning or critical)", q.state)
}

func fetchChecks(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error) {
	var (
		checks api.HealthChecks
		meta   *api.QueryMeta
		err    error
	)
	if q.service != "" {
		checks, meta, err = c.Health().Checks(q.service, opts)
	} else {
		state := q.state
		if state == "" {
			state = api.HealthAny
		}
		checks, meta, err = c.Health().State(state, opts)
	}
	if err != nil {
		return 0, nil, err
	}
	return meta.LastIndex, checks, nil
}

// fetchEvents lists the user events and keeps only those newer than the
// one the previous index was folded from (all of them on the first call,
// or when that event has left the agent's buffer).
func fetchEvents(c *api.Client, q *query, opts *api.QueryOptions) (uint64, any, error) {
	ev := c.Event()
	events, meta, err := ev.List(q.name, opts)
	if err != nil {
		return 0, nil, err
	}
	if opts.WaitIndex != 0 {
		for i := len(events) - 1; i >= 0; i-- {
			if ev.IDToIndex(events[i].ID) == opts.WaitIndex {
				events = events[i+1:]
				break
			}
		}
	}
	return meta.LastIndex, events, nil
}
