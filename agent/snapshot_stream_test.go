package agent

import (
	"bytes"
	"io"
	"testing"

	consulapi "github.com/hashicorp/consul/api"
)

// TestSnapshotThroughClientAgent: a snapshot saved through a client agent
// (streamed from the server, server.Streamed) is a whole archive the
// server restores, with the KV entry it held.
func TestSnapshotThroughClientAgent(t *testing.T) {
	srv, srvAPI := testAgent(t)
	_, cliAPI := startClientAgent(t, srv, "client1")
	if _, err := cliAPI.KV().Put(&consulapi.KVPair{Key: "snap/key", Value: []byte("kept")}, nil); err != nil {
		t.Fatal(err)
	}
	rc, _, err := cliAPI.Snapshot().Save(nil)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || len(archive) == 0 {
		t.Fatalf("snapshot through the client: %d bytes, %v", len(archive), err)
	}
	if _, err := srvAPI.KV().Delete("snap/key", nil); err != nil {
		t.Fatal(err)
	}
	if err := srvAPI.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatalf("restore of the snapshot saved through the client: %v", err)
	}
	kv, _, err := srvAPI.KV().Get("snap/key", nil)
	if err != nil || kv == nil || string(kv.Value) != "kept" {
		t.Fatalf("after the restore: %+v, %v; want the key back", kv, err)
	}
}

// TestSnapshotRestoreUploadsThroughAgents: a restore's body crosses from a
// follower to the leader, and from a client agent to a server, as an
// upload (server.Uploaded), not as one message with the forwarded-body
// limit. The limit is lowered below the archive's size here: a restore
// sent in one message is refused with 413.
func TestSnapshotRestoreUploadsThroughAgents(t *testing.T) {
	servers, apis := testServers(t, 3)
	leader, follower := -1, -1
	for i, a := range servers {
		if a.server.IsLeader() {
			leader = i
		} else {
			follower = i
		}
	}
	if leader < 0 || follower < 0 {
		t.Fatal("no leader and follower among the servers")
	}
	_, cliAPI := startClientAgent(t, servers[follower], "client-up")
	kv := apis[leader].KV()
	if _, err := kv.Put(&consulapi.KVPair{Key: "up/key", Value: []byte("kept")}, nil); err != nil {
		t.Fatal(err)
	}
	rc, _, err := apis[leader].Snapshot().Save(nil)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	old := maxForwardedBody
	maxForwardedBody = len(archive) / 2
	defer func() { maxForwardedBody = old }()

	for _, via := range []struct {
		name string
		api  *consulapi.Client
	}{{"a follower", apis[follower]}, {"a client agent", cliAPI}} {
		if _, err := kv.Delete("up/key", nil); err != nil {
			t.Fatal(err)
		}
		if err := via.api.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
			t.Fatalf("restore of %d bytes through %s: %v", len(archive), via.name, err)
		}
		p, _, err := kv.Get("up/key", nil)
		if err != nil || p == nil || string(p.Value) != "kept" {
			t.Fatalf("after the restore through %s: %+v, %v; want the key back", via.name, p, err)
		}
	}
}
