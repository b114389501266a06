package api_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/api"
)

func putKey(t *testing.T, c *api.Client, key, value string) {
	t.Helper()
	if _, err := c.KV().Put(&api.KVPair{Key: key, Value: []byte(value)}, nil); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func keyValue(t *testing.T, c *api.Client, key string) string {
	t.Helper()
	p, _, err := c.KV().Get(key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if p == nil {
		return "<none>"
	}
	return string(p.Value)
}

// TestSnapshotLive saves and restores through a real agent, with this
// client and with the official one, each restoring the other's archive.
func TestSnapshotLive(t *testing.T) {
	addr := liveAgent(t)
	c := newClient(t, addr)
	official := newConsulClient(t, addr)
	putKey(t, c, "app/config", "v1")

	rc, qm, err := c.Snapshot().Save(nil)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	ours, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || qm.LastIndex == 0 || len(ours) == 0 {
		t.Fatalf("Save read %d bytes at index %d: %v", len(ours), qm.LastIndex, err)
	}
	putKey(t, c, "app/config", "v2")
	orc, _, err := official.Snapshot().Save(nil)
	if err != nil {
		t.Fatalf("official Save: %v", err)
	}
	theirs, err := io.ReadAll(orc)
	orc.Close()
	if err != nil {
		t.Fatal(err)
	}

	if err := official.Snapshot().Restore(nil, bytes.NewReader(ours)); err != nil {
		t.Fatalf("official Restore: %v", err)
	}
	if got := keyValue(t, c, "app/config"); got != "v1" {
		t.Errorf("after restoring the first archive: %q, want v1", got)
	}
	if err := c.Snapshot().Restore(nil, bytes.NewReader(theirs)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := keyValue(t, c, "app/config"); got != "v2" {
		t.Errorf("after restoring the second archive: %q, want v2", got)
	}

	err = c.Snapshot().Restore(nil, strings.NewReader("garbage"))
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != 400 || !strings.Contains(se.Body, "invalid snapshot archive") {
		t.Fatalf("Restore(garbage) = %v, want a 400 with the reason", err)
	}
	if got := keyValue(t, c, "app/config"); got != "v2" {
		t.Errorf("a refused restore changed the state: %q", got)
	}
}
