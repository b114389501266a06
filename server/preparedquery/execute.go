package preparedquery

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

// Near values with a special meaning.
const (
	NearAgent = "_agent" // the node of the agent that asks
	NearIP    = "_ip"    // the node whose address is the client's
)

// Options are the caller's side of an execution.
type Options struct {
	// Datacenter is the local datacenter; it is stamped on the result.
	Datacenter string
	// Limit keeps at most this many instances; 0 keeps all.
	Limit int
	// Connect asks for the service's mesh endpoints (connect proxies and
	// connect-native instances) even when the query does not.
	Connect bool
	// Near names the node to put first, overriding the query's
	// Service.Near: a node name, NearAgent or NearIP. "" uses the query's.
	Near string
	// Agent is the name of the node asking, for NearAgent.
	Agent string
	// Source is the client's address, for NearIP; the zero Addr when it is
	// not known.
	Source netip.Addr
	// Authz drops the instances whose service or node it may not read,
	// before the limit applies. Nil keeps every instance.
	Authz acl.Authorizer
}

// Result is the outcome of an execution.
type Result struct {
	Service    string                   // the service queried, after template interpolation
	Nodes      []state.CheckServiceNode // the instances, in answer order; records shared with the store
	DNS        state.QueryDNSOptions
	Datacenter string // where the instances come from
	Failovers  int    // datacenters tried after the local one; always 0 for now
	Index      uint64 // the index of the service's instances that were read
}

// Lookup resolves nameOrID (a query ID, a query name, or a name a template
// answers) and executes the query found. It fails with
// state.ErrQueryNotFound when no query answers, and with
// state.ErrTemplateByID when nameOrID is the ID of a template.
func Lookup(store *state.Store, nameOrID string, opts Options) (Result, error) {
	_, q, err := store.PreparedQueryResolve(nil, nameOrID)
	if err != nil {
		return Result{}, err
	}
	if q == nil {
		return Result{}, fmt.Errorf("prepared query %q: %w", nameOrID, state.ErrQueryNotFound)
	}
	return Execute(store, q, opts)
}

// Execute runs q in the local datacenter. It drops every instance with a
// critical check (and, with Service.OnlyPassing, with any check that is not
// passing) unless the check is in Service.IgnoreCheckIDs; keeps those that
// have every required tag and none of the "!tag" ones (case-insensitively)
// and whose node and service meta hold Service.NodeMeta and
// Service.ServiceMeta; drops what opts.Authz may not read; shuffles; sorts
// by estimated round-trip time from the Near node (or, when it has no
// network coordinate, moves it first); and applies opts.Limit.
func Execute(store *state.Store, q *state.PreparedQuery, opts Options) (Result, error) {
	if store == nil || q == nil {
		return Result{}, errors.New("preparedquery: nil store or query")
	}
	svc := &q.Service
	idx, nodes, err := store.CheckServiceNodes(nil, svc.Service, svc.Connect || opts.Connect)
	if err != nil {
		return Result{}, fmt.Errorf("preparedquery: read %q: %w", svc.Service, err)
	}
	f := newFilter(svc, opts.Authz)
	kept := nodes[:0] // nodes is ours; its records are shared and left alone
	for _, csn := range nodes {
		if f.keep(&csn) {
			kept = append(kept, csn)
		}
	}
	rand.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
	near := opts.Near
	if near == "" {
		near = svc.Near
	}
	if !sortByDistance(store, kept, near, opts) { // near.go
		moveNearFirst(kept, near, opts)
	}
	if opts.Limit > 0 && len(kept) > opts.Limit {
		kept = kept[:opts.Limit]
	}
	return Result{Service: svc.Service, Nodes: kept, DNS: q.DNS, Datacenter: opts.Datacenter, Index: idx}, nil
}

// filter holds a query's instance filters, prepared once per execution.
type filter struct {
	authz          acl.Authorizer
	must, mustNot  []string // lowercased tags
	ignore         []string
	onlyPassing    bool
	nodeMeta, meta map[string]string
}

func newFilter(svc *state.ServiceQuery, authz acl.Authorizer) filter {
	f := filter{authz: authz, ignore: svc.IgnoreCheckIDs, onlyPassing: svc.OnlyPassing,
		nodeMeta: svc.NodeMeta, meta: svc.ServiceMeta}
	for _, tag := range svc.Tags {
		if t, ok := strings.CutPrefix(tag, "!"); ok {
			f.mustNot = append(f.mustNot, strings.ToLower(t))
		} else {
			f.must = append(f.must, strings.ToLower(tag))
		}
	}
	return f
}

func (f *filter) keep(csn *state.CheckServiceNode) bool {
	return f.healthy(csn.Checks) && f.tagsMatch(csn.Service.Tags) &&
		state.MetaMatches(csn.Node.Meta, f.nodeMeta) && state.MetaMatches(csn.Service.Meta, f.meta) &&
		(f.authz == nil || f.authz.ServiceRead(csn.Service.Name) && f.authz.NodeRead(csn.Node.Node))
}

func (f *filter) healthy(checks []*state.HealthCheck) bool {
	for _, c := range checks {
		bad := c.Status == state.HealthCritical || f.onlyPassing && c.Status != state.HealthPassing
		if bad && !f.ignored(c.CheckID) {
			return false
		}
	}
	return true
}

func (f *filter) ignored(checkID string) bool {
	for _, id := range f.ignore {
		if id == checkID {
			return true
		}
	}
	return false
}

func (f *filter) tagsMatch(tags []string) bool {
	for _, want := range f.must {
		if !hasTag(tags, want) {
			return false
		}
	}
	for _, not := range f.mustNot {
		if hasTag(tags, not) {
			return false
		}
	}
	return true
}

// hasTag reports whether tags holds lowered, ignoring case.
func hasTag(tags []string, lowered string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, lowered) {
			return true
		}
	}
	return false
}

// moveNearFirst swaps the instance on the node near names to the front.
// Without network coordinates this is the only ordering Near gives.
func moveNearFirst(nodes []state.CheckServiceNode, near string, opts Options) {
	var match func(n *state.Node) bool
	switch near {
	case "":
		return
	case NearAgent:
		if opts.Agent == "" {
			return
		}
		match = func(n *state.Node) bool { return strings.EqualFold(n.Node, opts.Agent) }
	case NearIP:
		if !opts.Source.IsValid() {
			return
		}
		match = func(n *state.Node) bool {
			a, err := netip.ParseAddr(n.Address)
			return err == nil && a.Unmap() == opts.Source.Unmap()
		}
	default:
		match = func(n *state.Node) bool { return strings.EqualFold(n.Node, near) }
	}
	for i := range nodes {
		if match(nodes[i].Node) {
			nodes[0], nodes[i] = nodes[i], nodes[0]
			return
		}
	}
}
