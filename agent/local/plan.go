package local

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/pylonmesh/pylon/server/state"
)

// serfHealthID is the check the servers keep for every node from gossip.
// The agent never owns it, so anti-entropy never deletes it.
const serfHealthID = "serfHealth"

// consulServiceID is the service the leader registers for a server's node
// (server/consul_service.go); like serfHealth it is not the agent's.
const consulServiceID = "consul"

// syncOp is one catalog write and what it carried, so that a success marks
// exactly those versions in sync (a newer local change stays pending).
type syncOp struct {
	reg         *state.Registration
	dereg       *state.Deregistration
	nodeVersion uint64
	services    map[string]*state.Service
	checks      map[string]*state.HealthCheck
}

type syncPlan struct {
	deregs []*syncOp
	regs   []*syncOp
}

// planSync lists the writes that bring the catalog in line with local state.
func (l *State) planSync() syncPlan {
	l.mu.Lock()
	defer l.mu.Unlock()
	var plan syncPlan
	node := l.catalogNodeLocked()

	for _, id := range slices.Sorted(maps.Keys(l.services)) {
		if e := l.services[id]; e.deleted {
			plan.deregs = append(plan.deregs, &syncOp{
				dereg:    &state.Deregistration{Node: node.Node, ServiceID: id},
				services: map[string]*state.Service{id: e.svc},
			})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(l.checks)) {
		ce := l.checks[id]
		if !ce.deleted {
			continue
		}
		if se, ok := l.services[ce.check.ServiceID]; ok && se.deleted {
			continue // goes with its service
		}
		plan.deregs = append(plan.deregs, &syncOp{
			dereg:  &state.Deregistration{Node: node.Node, CheckID: id},
			checks: map[string]*state.HealthCheck{id: ce.check},
		})
	}

	// Group live checks by service: a service is sent with all its checks
	// whenever it or any of them is out of sync.
	byService := make(map[string][]*state.HealthCheck)
	dirty := make(map[string]bool)
	for _, id := range slices.Sorted(maps.Keys(l.checks)) {
		ce := l.checks[id]
		if ce.deleted {
			continue
		}
		byService[ce.check.ServiceID] = append(byService[ce.check.ServiceID], ce.check)
		if !ce.inSync {
			dirty[ce.check.ServiceID] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(l.services)) {
		e := l.services[id]
		if e.deleted || (e.inSync && !dirty[id]) {
			continue
		}
		op := l.newRegOpLocked(node, byService[id])
		op.reg.Service = e.svc
		op.services = map[string]*state.Service{id: e.svc}
		plan.regs = append(plan.regs, op)
	}
	if dirty[""] || (!l.nodeInSync && len(plan.regs) == 0) {
		plan.regs = append(plan.regs, l.newRegOpLocked(node, byService[""]))
	}
	return plan
}

func (l *State) newRegOpLocked(node state.Node, checks []*state.HealthCheck) *syncOp {
	op := &syncOp{
		reg:         &state.Registration{Node: node, Checks: checks},
		nodeVersion: l.nodeVersion,
		checks:      make(map[string]*state.HealthCheck, len(checks)),
	}
	for _, c := range checks {
		op.checks[c.CheckID] = c
	}
	return op
}

func (l *State) catalogNodeLocked() state.Node {
	return state.Node{
		ID:              l.node.ID,
		Node:            l.node.Name,
		Address:         l.node.Address,
		Datacenter:      l.node.Datacenter,
		TaggedAddresses: l.node.TaggedAddresses,
		Meta:            l.node.Meta,
	}
}

// confirm marks what op carried as in sync, unless it changed meanwhile.
func (l *State) confirm(op *syncOp) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if op.reg != nil && op.nodeVersion == l.nodeVersion {
		l.nodeInSync = true
	}
	for id, sent := range op.services {
		if e, ok := l.services[id]; ok && e.svc == sent {
			if e.deleted {
				delete(l.services, id)
				l.dropChecksOfLocked(id)
			} else {
				e.inSync = true
			}
		}
	}
	for id, sent := range op.checks {
		if ce, ok := l.checks[id]; ok && ce.check == sent {
			if ce.deleted {
				delete(l.checks, id)
			} else {
				ce.inSync, ce.deferred = true, false
			}
		}
	}
}

func (l *State) dropChecksOfLocked(serviceID string) {
	for id, ce := range l.checks {
		if ce.deleted && ce.check.ServiceID == serviceID {
			delete(l.checks, id)
		}
	}
}

// releaseDeferred marks output-only check changes for sync. It reports
// whether there were any.
func (l *State) releaseDeferred() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	any := false
	for _, ce := range l.checks {
		if ce.deferred {
			ce.deferred, ce.inSync = false, false
			any = true
		}
	}
	return any
}

// markDrift compares the catalog's records for this node with local state
// and marks every difference out of sync. Catalog entries the agent does
// not know are marked for deletion.
func (l *State) markDrift(node *state.Node, services []*state.Service, checks []*state.HealthCheck) {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := l.catalogNodeLocked()
	if node == nil || !sameJSON(normNode(*node), normNode(want)) {
		l.nodeInSync = false
	}

	remoteSvc := make(map[string]*state.Service, len(services))
	for _, s := range services {
		if s.ID == consulServiceID {
			continue
		}
		remoteSvc[s.ID] = s
		if _, ok := l.services[s.ID]; !ok {
			l.services[s.ID] = &serviceEntry{svc: s, deleted: true}
		}
	}
	for id, e := range l.services {
		r, ok := remoteSvc[id]
		switch {
		case e.deleted:
			e.inSync = !ok
		case !ok:
			e.inSync = false
		default:
			if e.svc.EnableTagOverride {
				cp := *e.svc
				cp.Tags = r.Tags
				e.svc = &cp
			}
			e.inSync = sameJSON(normService(*e.svc), normService(*r))
		}
	}

	remoteChk := make(map[string]*state.HealthCheck, len(checks))
	for _, c := range checks {
		if c.CheckID == serfHealthID {
			continue
		}
		remoteChk[c.CheckID] = c
		if _, ok := l.checks[c.CheckID]; !ok {
			l.checks[c.CheckID] = &checkEntry{check: c, deleted: true}
		}
	}
	for id, ce := range l.checks {
		r, ok := remoteChk[id]
		switch {
		case ce.deleted:
			ce.inSync = !ok
		case !ok:
			ce.inSync = false
		default:
			ce.inSync = sameJSON(normCheck(*ce.check), normCheck(*r))
		}
	}
}

// The norm functions drop what the catalog adds (indexes) and make empty
// collections nil, so that only real differences compare unequal.
func normNode(n state.Node) state.Node {
	n.RaftIndex = state.RaftIndex{}
	n.TaggedAddresses = nilIfEmpty(n.TaggedAddresses)
	n.Meta = nilIfEmpty(n.Meta)
	return n
}

func normService(s state.Service) state.Service {
	s.RaftIndex = state.RaftIndex{}
	s.Tags = nilIfNone(s.Tags)
	s.Meta = nilIfEmpty(s.Meta)
	s.TaggedAddresses = nilIfEmpty(s.TaggedAddresses)
	s.Proxy.Config = nilIfEmpty(s.Proxy.Config)
	s.Proxy.Upstreams = nilIfNone(s.Proxy.Upstreams)
	s.Proxy.Expose.Paths = nilIfNone(s.Proxy.Expose.Paths)
	return s
}

func normCheck(c state.HealthCheck) state.HealthCheck {
	c.RaftIndex = state.RaftIndex{}
	c.ServiceTags = nilIfNone(c.ServiceTags)
	c.Definition.Header = nilIfEmpty(c.Definition.Header)
	return c
}

func nilIfEmpty[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nilIfNone[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// sameJSON compares two records by their JSON form, which treats nil and
// empty collections alike after normalisation and is immune to number-type
// changes in opaque maps that went through the Raft log.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
