package server

import (
	"cmp"
	"context"
	"net"
	"strconv"
	"time"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// The agent owns the LAN pool and hands it to its server (SetLAN) with
// every member event (HandleLANEvent). The server uses it for two things:
// before a cluster exists, to find the servers to bootstrap with
// (bootstrap_expect.go); on the leader, to keep the catalog true to the
// pool: every member's node has a serfHealth check, passing while alive
// and critical once failed, a server that joins becomes a Raft voter, and
// a member that left (or was reaped) leaves the catalog and, if a server,
// the Raft configuration.

// SerfCheckID, SerfCheckName and the outputs are Consul's, which clients
// and UIs look for.
const (
	SerfCheckID           = "serfHealth"
	SerfCheckName         = "Serf Health Status"
	serfCheckAliveOutput  = "Agent alive and reachable"
	serfCheckFailedOutput = "Agent not live or unreachable"
	defaultReconcile      = 60 * time.Second
)

// SetLAN gives the server the LAN pool. Call it once, before the pool's
// first event is handed to HandleLANEvent.
func (s *Server) SetLAN(p *gossip.Pool) {
	s.lan.Store(p)
	s.kickBootstrap()
	s.kickReconcile()
}

// HandleLANEvent takes a LAN pool event. It never blocks: the work runs
// on the server's own goroutines.
func (s *Server) HandleLANEvent(e gossip.Event) {
	if e.Type == gossip.EventUser {
		return
	}
	s.kickBootstrap()
	s.kickReconcile()
}

func (s *Server) kickReconcile() {
	select {
	case s.reconcileCh <- struct{}{}:
	default:
	}
}

// serverInfo is a LAN member that is a server of this datacenter.
type serverInfo struct {
	name, id, addr string // addr is host:port of its server port
	expect         int
	status         gossip.Status
	tags           gossip.Tags
}

// asServer reads m as a server of datacenter dc.
func asServer(m gossip.Member, dc string) (serverInfo, bool) {
	t, err := m.ParsedTags()
	if err != nil || t.Role != gossip.RoleServer || t.Datacenter != dc || t.ServerPort == 0 {
		return serverInfo{}, false
	}
	id := t.ID
	if id == "" {
		id = m.Name
	}
	return serverInfo{name: m.Name, id: id, addr: net.JoinHostPort(m.Addr.String(), strconv.Itoa(t.ServerPort)),
		expect: t.Expect, status: m.Status, tags: t}, true
}

// runReconcile is a leader duty: reconcile the pool with the catalog at
// once, on every member event, and every ReconcileInterval.
func (s *Server) runReconcile(ctx context.Context) {
	tick := time.NewTicker(cmp.Or(s.cfg.ReconcileInterval, defaultReconcile))
	defer tick.Stop()
	for {
		if p := s.lan.Load(); p != nil {
			s.reconcile(ctx, p)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.reconcileCh:
		case <-tick.C:
		}
	}
}

// reconcile brings the catalog and the Raft configuration in line with
// the pool's members, then removes the nodes of members the pool forgot.
func (s *Server) reconcile(ctx context.Context, p *gossip.Pool) {
	members := p.Members()
	known := make(map[string]bool, len(members))
	for _, m := range members {
		if t, err := m.ParsedTags(); err != nil || t.Datacenter != s.cfg.Datacenter {
			continue
		}
		known[m.Name] = true
		var err error
		switch m.Status {
		case gossip.StatusAlive:
			err = s.memberAlive(ctx, m)
		case gossip.StatusFailed:
			err = s.memberFailed(ctx, m)
		case gossip.StatusLeft:
			err = s.memberLeft(ctx, m)
		}
		if err != nil && ctx.Err() == nil {
			s.logger.Warn("reconcile member", "member", m.Name, "status", m.Status.String(), "error", err)
		}
	}
	s.reapForgotten(ctx, known)
}

// memberAlive registers the member's node with a passing serfHealth
// check, unless the catalog has that already, and makes a server a voter.
// A server's node also gets the "consul" service (consul_service.go).
func (s *Server) memberAlive(ctx context.Context, m gossip.Member) error {
	srv, isServer := asServer(m, s.cfg.Datacenter)
	if isServer && srv.id != string(s.localID) {
		if err := s.ensureVoter(ctx, srv); err != nil {
			return err
		}
	}
	if err := s.ensureSerfCheck(ctx, m, state.HealthPassing, serfCheckAliveOutput); err != nil || !isServer {
		return err
	}
	return s.ensureConsulService(ctx, m, srv.tags)
}

// memberFailed marks the member's node critical; a failed server stays a
// voter (it may come back) until it leaves or is removed.
func (s *Server) memberFailed(ctx context.Context, m gossip.Member) error {
	return s.ensureSerfCheck(ctx, m, state.HealthCritical, serfCheckFailedOutput)
}

// memberLeft deregisters the node of a member that left and takes a
// server out of the Raft configuration.
func (s *Server) memberLeft(ctx context.Context, m gossip.Member) error {
	name := m.Name
	if srv, ok := asServer(m, s.cfg.Datacenter); ok && srv.id != string(s.localID) {
		if err := s.removeIfVoter(ctx, srv.id); err != nil {
			return err
		}
	}
	if _, n, err := s.store.GetNode(nil, name); err != nil || n == nil {
		return err
	}
	s.logger.Info("deregistering member that left", "member", name)
	_, err := s.Deregister(ctx, &state.Deregistration{Node: name})
	return err
}

// ensureSerfCheck writes the node and its serfHealth check when the
// catalog differs: a new node gets the member's ID and address; an
// existing one keeps what its agent registered.
func (s *Server) ensureSerfCheck(ctx context.Context, m gossip.Member, status, output string) error {
	_, node, err := s.store.GetNode(nil, m.Name)
	if err != nil {
		return err
	}
	if node != nil {
		_, checks, err := s.store.NodeChecks(nil, m.Name)
		if err != nil {
			return err
		}
		for _, c := range checks {
			if c.CheckID == SerfCheckID && c.ServiceID == "" && c.Status == status {
				return nil
			}
		}
	}
	t, _ := m.ParsedTags()
	reg := &state.Registration{
		Node:           state.Node{ID: t.ID, Node: m.Name, Address: m.Addr.String(), Datacenter: s.cfg.Datacenter},
		SkipNodeUpdate: node != nil,
		Checks: []*state.HealthCheck{{Node: m.Name, CheckID: SerfCheckID, Name: SerfCheckName,
			Status: status, Output: output, Type: "serf"}},
	}
	_, err = s.Register(ctx, reg)
	return err
}

// reapForgotten deregisters the nodes that carry a serfHealth check but
// are no longer members at all: reaped after failing or leaving. Nodes
// registered through the catalog API have no serfHealth check and stay.
func (s *Server) reapForgotten(ctx context.Context, known map[string]bool) {
	_, nodes, err := s.store.Nodes(nil)
	if err != nil {
		return
	}
	for _, n := range nodes {
		if known[n.Node] || n.Node == s.cfg.NodeName {
			continue
		}
		_, checks, err := s.store.NodeChecks(nil, n.Node)
		if err != nil {
			continue
		}
		for _, c := range checks {
			if c.CheckID == SerfCheckID && c.ServiceID == "" {
				s.logger.Info("deregistering reaped member", "member", n.Node)
				if _, err := s.Deregister(ctx, &state.Deregistration{Node: n.Node}); err != nil && ctx.Err() == nil {
					s.logger.Warn("deregister reaped member", "member", n.Node, "error", err)
				}
				break
			}
		}
	}
}
