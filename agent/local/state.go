package local

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/pylonmesh/pylon/server/state"
)

// serviceEntry is a local service and its sync bookkeeping.
type serviceEntry struct {
	svc     *state.Service // never mutated after being stored; replaced on change
	token   string
	inSync  bool
	deleted bool // removed locally; the catalog still needs to hear about it
}

// checkEntry is a local check and its sync bookkeeping.
type checkEntry struct {
	check   *state.HealthCheck // never mutated after being stored
	token   string
	inSync  bool
	deleted bool
	// deferred is set when only the output changed: the catalog hears about
	// it at the next deferred flush instead of at once.
	deferred bool
}

// Node is the identity the agent registers its node with.
type Node struct {
	ID              string
	Name            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
}

// State is the set of services and checks this agent owns. It is safe for
// concurrent use.
type State struct {
	mu         sync.RWMutex
	node       Node
	nodeInSync bool
	// nodeVersion counts node identity changes, so a sync that carried an
	// older identity does not mark the node in sync.
	nodeVersion uint64
	services    map[string]*serviceEntry // by service ID
	checks      map[string]*checkEntry   // by check ID
	listeners   map[chan<- struct{}]struct{}
	syncNow     chan struct{} // wakes the syncer; capacity 1
}

// NewState returns an empty State for the given node.
func NewState(node Node) *State {
	return &State{
		node:      node,
		services:  make(map[string]*serviceEntry),
		checks:    make(map[string]*checkEntry),
		listeners: make(map[chan<- struct{}]struct{}),
		syncNow:   make(chan struct{}, 1),
	}
}

// NodeInfo returns the node identity.
func (l *State) NodeInfo() Node {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.node
}

// SetNode replaces the node identity (on reload) and marks it for sync.
func (l *State) SetNode(n Node) {
	l.mu.Lock()
	l.node = n
	l.nodeInSync = false
	l.nodeVersion++
	l.mu.Unlock()
	l.changed()
}

// AddService adds or replaces a service and, in the same step, the given
// checks (which must name it in ServiceID). Existing checks of the service
// that are not in checks stay unless replaceChecks is set.
func (l *State) AddService(svc *state.Service, checks []*state.HealthCheck, token string, replaceChecks bool) error {
	if svc == nil || svc.ID == "" {
		return fmt.Errorf("add service: %w", ErrMissingServiceID)
	}
	for _, c := range checks {
		if c.ServiceID != svc.ID {
			return fmt.Errorf("add service %q: check %q belongs to service %q", svc.ID, c.CheckID, c.ServiceID)
		}
	}
	l.mu.Lock()
	s := *svc
	s.Node = l.node.Name
	l.services[svc.ID] = &serviceEntry{svc: &s, token: token}
	keep := make(map[string]bool, len(checks))
	for _, c := range checks {
		keep[c.CheckID] = true
		l.putCheckLocked(c, token)
	}
	if replaceChecks {
		for id, ce := range l.checks {
			if ce.check.ServiceID == svc.ID && !keep[id] && !ce.deleted {
				ce.deleted, ce.inSync = true, false
			}
		}
	}
	l.mu.Unlock()
	l.changed()
	return nil
}

// RemoveService removes a service and its checks.
func (l *State) RemoveService(id string) error {
	l.mu.Lock()
	e, ok := l.services[id]
	if !ok || e.deleted {
		l.mu.Unlock()
		return fmt.Errorf("remove service %q: %w", id, ErrUnknownService)
	}
	e.deleted, e.inSync = true, false
	for _, ce := range l.checks {
		if ce.check.ServiceID == id {
			ce.deleted, ce.inSync = true, false
		}
	}
	l.mu.Unlock()
	l.changed()
	return nil
}

// AddCheck adds or replaces a check. A check naming a service must name one
// this agent has.
func (l *State) AddCheck(c *state.HealthCheck, token string) error {
	if c == nil || c.CheckID == "" {
		return fmt.Errorf("add check: %w", ErrMissingCheckID)
	}
	l.mu.Lock()
	if c.ServiceID != "" {
		if e, ok := l.services[c.ServiceID]; !ok || e.deleted {
			l.mu.Unlock()
			return fmt.Errorf("add check %q: service %q: %w", c.CheckID, c.ServiceID, ErrUnknownService)
		}
	}
	l.putCheckLocked(c, token)
	l.mu.Unlock()
	l.changed()
	return nil
}

// putCheckLocked stores a copy of c, filling node and service fields.
func (l *State) putCheckLocked(c *state.HealthCheck, token string) {
	cp := *c
	cp.Node = l.node.Name
	if e, ok := l.services[c.ServiceID]; ok && c.ServiceID != "" {
		cp.ServiceName = e.svc.Name
		cp.ServiceTags = slices.Clone(e.svc.Tags)
	}
	if cp.Status == "" {
		cp.Status = state.HealthCritical
	}
	l.checks[c.CheckID] = &checkEntry{check: &cp, token: token}
}

// RemoveCheck removes a check.
func (l *State) RemoveCheck(id string) error {
	l.mu.Lock()
	ce, ok := l.checks[id]
	if !ok || ce.deleted {
		l.mu.Unlock()
		return fmt.Errorf("remove check %q: %w", id, ErrUnknownCheck)
	}
	ce.deleted, ce.inSync = true, false
	l.mu.Unlock()
	l.changed()
	return nil
}

// UpdateCheck records a new status and output for a check. A status change
// is synced at once; an output-only change is deferred (see Syncer). It
// satisfies the check runners' Notifier.
func (l *State) UpdateCheck(id, status, output string) {
	l.mu.Lock()
	ce, ok := l.checks[id]
	if !ok || ce.deleted {
		l.mu.Unlock()
		return
	}
	old := ce.check
	if old.Status == status && old.Output == output {
		l.mu.Unlock()
		return
	}
	cp := *old
	cp.Status, cp.Output = status, output
	ce.check = &cp
	if old.Status == status && ce.inSync {
		ce.deferred = true
		l.mu.Unlock()
		l.notifyListeners()
		return
	}
	ce.inSync, ce.deferred = false, false
	l.mu.Unlock()
	l.changed()
}

// Service returns a copy of one live service, or nil.
func (l *State) Service(id string) *state.Service {
	l.mu.RLock()
	defer l.mu.RUnlock()
	e, ok := l.services[id]
	if !ok || e.deleted {
		return nil
	}
	return e.svc
}

// ServiceToken returns the token a service was registered with.
func (l *State) ServiceToken(id string) string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if e, ok := l.services[id]; ok {
		return e.token
	}
	return ""
}

// Services returns the live services by ID. The records are shared and
// must not be modified.
func (l *State) Services() map[string]*state.Service {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make(map[string]*state.Service, len(l.services))
	for id, e := range l.services {
		if !e.deleted {
			out[id] = e.svc
		}
	}
	return out
}

// Check returns one live check, or nil. The record must not be modified.
func (l *State) Check(id string) *state.HealthCheck {
	l.mu.RLock()
	defer l.mu.RUnlock()
	ce, ok := l.checks[id]
	if !ok || ce.deleted {
		return nil
	}
	return ce.check
}

// Checks returns the live checks by ID. The records must not be modified.
func (l *State) Checks() map[string]*state.HealthCheck {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make(map[string]*state.HealthCheck, len(l.checks))
	for id, ce := range l.checks {
		if !ce.deleted {
			out[id] = ce.check
		}
	}
	return out
}

// ServiceChecks returns the live checks of one service, sorted by ID.
func (l *State) ServiceChecks(serviceID string) []*state.HealthCheck {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []*state.HealthCheck
	for _, id := range slices.Sorted(maps.Keys(l.checks)) {
		ce := l.checks[id]
		if !ce.deleted && ce.check.ServiceID == serviceID {
			out = append(out, ce.check)
		}
	}
	return out
}

// Notify registers ch to receive a signal (non-blocking send) on every
// change to services or checks. The returned func unregisters it.
func (l *State) Notify(ch chan<- struct{}) (cancel func()) {
	l.mu.Lock()
	l.listeners[ch] = struct{}{}
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.listeners, ch)
		l.mu.Unlock()
	}
}

// changed wakes the syncer and every listener.
func (l *State) changed() {
	select {
	case l.syncNow <- struct{}{}:
	default:
	}
	l.notifyListeners()
}

func (l *State) notifyListeners() {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for ch := range l.listeners {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
