package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOperatorRaftConfiguration(t *testing.T) {
	c := newTestCluster(t, 3)
	l := c.leader()
	for _, s := range c.servers {
		var conf *RaftConfiguration
		waitFor(t, func() bool { // a follower learns the configuration from the log
			var err error
			conf, err = s.RaftConfiguration()
			return err == nil && len(conf.Servers) == 3
		})
		if conf.Index == 0 {
			t.Fatalf("%s: configuration = %+v, want 3 servers and an index", s.ID(), conf)
		}
		leaders := 0
		for _, rs := range conf.Servers {
			if !rs.Voter || rs.ProtocolVersion != "3" || rs.Address == "" {
				t.Errorf("%s: server %+v, want a protocol 3 voter with an address", s.ID(), rs)
			}
			if rs.Leader {
				leaders++
				if rs.ID != l.ID() {
					t.Errorf("%s: leader %s, want %s", s.ID(), rs.ID, l.ID())
				}
			}
			if rs.ID == s.ID() && rs.Node != s.cfg.NodeName {
				t.Errorf("%s: own node name %q, want %q", s.ID(), rs.Node, s.cfg.NodeName)
			}
		}
		if leaders != 1 {
			t.Errorf("%s: %d leaders, want 1", s.ID(), leaders)
		}
	}
}

func TestOperatorRemovePeer(t *testing.T) {
	c := newTestCluster(t, 3)
	fs := c.followers()
	gone, asker := fs[0], fs[1]
	if err := gone.Shutdown(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tests := []struct {
		name, id, addr string
		want           error
	}{
		{"unknown id", "nope", "", ErrPeerNotFound},
		{"unknown address", "", "127.0.0.1:1", ErrPeerNotFound},
		{"neither", "", "", ErrPeerNotFound},
		{"stopped follower by id, through a follower", gone.ID(), "", nil},
	}
	for _, tt := range tests {
		err := asker.RemoveRaftPeer(ctx, tt.id, tt.addr)
		if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
			t.Fatalf("%s: RemoveRaftPeer = %v, want %v", tt.name, err, tt.want)
		}
	}
	conf, err := c.leader().RaftConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Servers) != 2 {
		t.Fatalf("configuration after removal = %+v, want 2 servers", conf.Servers)
	}
	for _, rs := range conf.Servers {
		if rs.ID == gone.ID() {
			t.Fatalf("removed server %s still listed", gone.ID())
		}
	}
	// By address: the remaining follower.
	if err := c.leader().RemoveRaftPeer(ctx, "", asker.Addr()); err != nil {
		t.Fatalf("remove by address: %v", err)
	}
	conf, _ = c.leader().RaftConfiguration()
	if len(conf.Servers) != 1 {
		t.Fatalf("configuration after removal by address = %+v, want 1 server", conf.Servers)
	}
}

func TestOperatorTransferLeadership(t *testing.T) {
	c := newTestCluster(t, 3)
	old := c.leader()
	fs := c.followers()
	target, asker := fs[0], fs[1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := asker.TransferLeadership(ctx, target.ID()); err != nil {
		t.Fatalf("transfer through a follower: %v", err)
	}
	waitFor(t, target.IsLeader)
	if old.IsLeader() {
		t.Fatal("old leader still leads")
	}
	if err := target.TransferLeadership(ctx, target.ID()); err == nil {
		t.Fatal("transfer to the leader itself succeeded")
	}
	if err := target.TransferLeadership(ctx, "nope"); !errors.Is(err, ErrPeerNotFound) {
		t.Fatalf("transfer to an unknown server = %v, want ErrPeerNotFound", err)
	}
	// Without an ID Raft picks a follower.
	waitFor(t, func() bool { return target.WaitForLeader(ctx) == nil })
	if err := target.TransferLeadership(ctx, ""); err != nil {
		t.Fatalf("transfer to any: %v", err)
	}
	waitFor(t, func() bool { l := c.leader(); return l != target })
	// Let the new leader finish taking over before the cleanup stops it:
	// a Raft barrier queued as Raft shuts down is never answered.
	for _, s := range c.servers {
		if err := s.WaitForLeader(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
