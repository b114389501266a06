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
