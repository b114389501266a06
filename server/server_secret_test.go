package server

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/snapshot"
	"github.com/pylonmesh/pylon/server/state"
)

// TestServerOnlyCallsNeedTheServersSecret: with ACLs on, what reaches the
// server port without being a server (a client agent, or anybody) cannot
// make the calls servers forward to each other, which skip the token
// checks, not even with a forged forwarded mark. Servers still forward to
// each other, with the secret the first leader stored.
func TestServerOnlyCallsNeedTheServersSecret(t *testing.T) {
	c := newTestClusterWith(t, 3, func(cfg *Config) { cfg.ACLsEnabled = true })
	for _, s := range c.servers {
		s.SetRPCAuthorizer(rpcTestAuthorize(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	secret := c.leader().serverSecret()
	if secret == "" {
		t.Fatal("the leader stored no server secret")
	}
	for _, s := range c.servers {
		waitFor(t, func() bool { return s.serverSecret() == secret })
	}

	// Calls go to the leader itself, where a server's call would run.
	outsider := newTestClient(t, c)
	call := func(ctx context.Context, method string, req, resp any) error {
		return outsider.pool.Call(rpc.WithToken(ctx, "agent"), c.leader().Addr(), method, req, resp)
	}
	kv := &kvFwdReq{state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "stolen", Value: []byte("x")}}}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"unmarked", ctx, ErrPermissionDenied},
		{"with a forged mark", rpc.MarkForwarded(ctx, "1"), ErrServerSecretMismatch},
		{"with an empty mark", rpc.MarkForwarded(ctx, ""), ErrServerSecretMismatch},
	} {
		if err := call(tc.ctx, "KV.Apply", kv, new(kvFwdResp)); !errors.Is(err, tc.want) {
			t.Errorf("KV.Apply %s = %v, want %v", tc.name, err, tc.want)
		}
		if err := call(tc.ctx, "Operator.RaftRemovePeer", &removePeerReq{ID: string(c.followers()[0].cfg.NodeID)}, new(indexResp)); !errors.Is(err, tc.want) {
			t.Errorf("Operator.RaftRemovePeer %s = %v, want %v", tc.name, err, tc.want)
		}
		if err := call(tc.ctx, "ACL.Bootstrap", &aclBootstrapReq{}, new(aclTokenResp)); !errors.Is(err, tc.want) {
			t.Errorf("ACL.Bootstrap %s = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A forged mark does not turn off the token check of an agent's call:
	// the call is refused.
	if err := call(rpc.MarkForwarded(ctx, "1"), "Catalog.Register", &registerReq{*webInstance("n9", "web9", state.HealthPassing)},
		new(indexResp)); !errors.Is(err, ErrServerSecretMismatch) {
		t.Errorf("register with a forged mark = %v, want ErrServerSecretMismatch", err)
	}
	if _, n, _ := c.leader().store.GetNode(nil, "n9"); n != nil {
		t.Fatal("a register with a forged mark wrote its node")
	}
	if _, e, _ := c.leader().store.KVGet(nil, "stolen"); e != nil {
		t.Fatalf("a refused call wrote %+v", e)
	}
	if n := len(c.leader().raft.GetConfiguration().Configuration().Servers); n != 3 {
		t.Fatalf("%d raft peers after refused removals, want 3", n)
	}

	// A follower proves itself: its forwarded write lands.
	if ok, _, err := c.followers()[0].KVApply(ctx, &kv.Req); err != nil || !ok {
		t.Fatalf("write forwarded by a follower = %v, %v", ok, err)
	}
	// And with the right secret the call is a server's.
	if err := call(rpc.MarkForwarded(ctx, secret), "KV.Apply", kv, new(kvFwdResp)); err != nil {
		t.Fatalf("KV.Apply with the servers' secret: %v", err)
	}
}

// secretlessArchive is a snapshot archive of a state that never had the
// servers' secret, as one taken before it existed.
func secretlessArchive(t *testing.T) []byte {
	t.Helper()
	store, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.EnsureRegistration(5, &state.Registration{Node: state.Node{Node: "old", Address: "10.0.0.5"}}); err != nil {
		t.Fatal(err)
	}
	fs, err := fsm.New(store, nil).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var sink bufferSink
	if err := fs.Persist(&sink); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	meta := &raft.SnapshotMeta{Version: 1, ID: "old", Index: 5, Term: 1, Size: int64(sink.Len())}
	if err := snapshot.Write(&out, meta, &sink.Buffer); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type bufferSink struct{ bytes.Buffer }

func (*bufferSink) ID() string    { return "old" }
func (*bufferSink) Cancel() error { return nil }
func (*bufferSink) Close() error  { return nil }

// TestRestoreKeepsAServersSecret: restoring a snapshot without the
// servers' secret leaves the cluster with one at once, so servers with
// ACLs on go on forwarding to each other.
func TestRestoreKeepsAServersSecret(t *testing.T) {
	c := newTestClusterWith(t, 3, func(cfg *Config) { cfg.ACLsEnabled = true })
	for _, s := range c.servers {
		s.SetRPCAuthorizer(rpcTestAuthorize(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.leader().SnapshotRestore(ctx, bytes.NewReader(secretlessArchive(t))); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := c.leader().store.GetNode(nil, "old"); n == nil {
		t.Fatal("the restore did not take")
	}
	if c.leader().serverSecret() == "" {
		t.Fatal("no servers' secret after restoring a snapshot without one")
	}
	req := state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "after-restore", Value: []byte("x")}}
	if ok, _, err := c.followers()[0].KVApply(ctx, &req); err != nil || !ok {
		t.Fatalf("write forwarded by a follower after the restore = %v, %v", ok, err)
	}
}
