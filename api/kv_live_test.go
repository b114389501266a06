package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/api"
)

// These tests run the client against a real in-process dev agent on
// loopback. They live in package api_test because package api must not
// import the agent.

// liveAgent starts a dev agent on random loopback ports, stopped when the
// test ends, and returns its HTTP address.
func liveAgent(t *testing.T) string {
	t.Helper()
	return agenttest.Start(t).HTTPAddr()
}

// newClient returns a Pylon client for addr whose idle connections are
// closed when the test ends.
func newClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Config().HttpClient.CloseIdleConnections)
	return c
}

// newConsulClient returns the official client for addr.
func newConsulClient(t *testing.T, addr string) *consul.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := consul.NewClient(&consul.Config{Address: addr, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// liveClient starts an agent and returns a client for it and its address.
func liveClient(t *testing.T) (*api.Client, string) {
	t.Helper()
	addr := liveAgent(t)
	return newClient(t, addr), addr
}

func TestLiveKVRoundTrip(t *testing.T) {
	c, _ := liveClient(t)
	kv := c.KV()

	pair, qm, err := kv.Get("app/missing", nil)
	if err != nil || pair != nil || qm.LastIndex == 0 {
		t.Fatalf("missing key: %+v %+v %v", pair, qm, err)
	}
	value := []byte("v\x00\xff\n binary")
	if _, err := kv.Put(&api.KVPair{Key: "app/config/a", Value: value, Flags: 42}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(&api.KVPair{Key: "app/config/b", Value: []byte("b")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(&api.KVPair{Key: "app/other"}, nil); err != nil {
		t.Fatal(err)
	}
	pair, _, err = kv.Get("app/config/a", nil)
	if err != nil || pair == nil || !bytes.Equal(pair.Value, value) || pair.Flags != 42 || pair.CreateIndex == 0 ||
		pair.ModifyIndex != pair.CreateIndex {
		t.Fatalf("get: %+v %v", pair, err)
	}

	pairs, _, err := kv.List("app/config/", nil)
	if err != nil || len(pairs) != 2 || pairs[0].Key != "app/config/a" || pairs[1].Key != "app/config/b" {
		t.Fatalf("list: %v %v", pairs, err)
	}
	keys, _, err := kv.Keys("app/", "/", nil)
	if err != nil || !slices.Equal(keys, []string{"app/config/", "app/other"}) {
		t.Fatalf("keys with separator: %v %v", keys, err)
	}
	keys, _, err = kv.Keys("app/", "", nil)
	if err != nil || len(keys) != 3 {
		t.Fatalf("all keys: %v %v", keys, err)
	}

	// CAS: a stale index loses, the current one wins; 0 creates only.
	stale := *pair
	stale.Value = []byte("new")
	if ok, _, err := kv.CAS(&stale, nil); err != nil || !ok {
		t.Fatalf("cas with current index: %v %v", ok, err)
	}
	if ok, _, err := kv.CAS(&stale, nil); err != nil || ok {
		t.Fatalf("cas with stale index: %v %v", ok, err)
	}
	if ok, _, err := kv.CAS(&api.KVPair{Key: "app/config/b", Value: []byte("x")}, nil); err != nil || ok {
		t.Fatalf("create-only cas on an existing key: %v %v", ok, err)
	}
	if ok, _, err := kv.DeleteCAS(&api.KVPair{Key: "app/config/a", ModifyIndex: 1}, nil); err != nil || ok {
		t.Fatalf("delete-cas with a stale index: %v %v", ok, err)
	}
	if _, err := kv.Delete("app/other", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.DeleteTree("app/config/", nil); err != nil {
		t.Fatal(err)
	}
	if pairs, _, err := kv.List("app/", nil); err != nil || len(pairs) != 0 {
		t.Fatalf("after deletes: %v %v", pairs, err)
	}
	if _, err := kv.Put(&api.KVPair{Key: "/abs"}, nil); err == nil {
		t.Fatal("a key starting with / was accepted")
	}
}

func TestLiveKVBlockingGetWakesOnPut(t *testing.T) {
	c, _ := liveClient(t)
	_, qm, err := c.KV().Get("watched", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *api.KVPair, 1)
	errs := make(chan error, 1)
	go func() {
		p, _, err := c.KV().Get("watched", &api.QueryOptions{WaitIndex: qm.LastIndex, WaitTime: time.Minute})
		if err != nil {
			errs <- err
			return
		}
		got <- p
	}()
	if _, err := c.KV().Put(&api.KVPair{Key: "watched", Value: []byte("now")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p == nil || string(p.Value) != "now" {
			t.Fatalf("woke with %+v", p)
		}
	case err := <-errs:
		t.Fatal(err)
	}
}

func TestLiveSessions(t *testing.T) {
	c, _ := liveClient(t)
	s := c.Session()
	node, err := c.Agent().NodeName()
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := s.Create(&api.SessionEntry{Name: "web-lock", TTL: "30s", LockDelay: time.Second, Behavior: api.SessionBehaviorDelete}, nil)
	if err != nil || id == "" {
		t.Fatalf("create: %q %v", id, err)
	}
	info, _, err := s.Info(id, nil)
	if err != nil || info == nil || info.Name != "web-lock" || info.Node != node || info.TTL != "30s" ||
		info.LockDelay != time.Second || info.Behavior != api.SessionBehaviorDelete || info.CreateIndex == 0 {
		t.Fatalf("info: %+v %v", info, err)
	}
	plain, _, err := s.CreateNoChecks(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, list := range map[string]func() ([]*api.SessionEntry, *api.QueryMeta, error){
		"list": func() ([]*api.SessionEntry, *api.QueryMeta, error) { return s.List(nil) },
		"node": func() ([]*api.SessionEntry, *api.QueryMeta, error) { return s.Node(node, nil) },
	} {
		got, _, err := list()
		if err != nil || len(got) != 2 {
			t.Fatalf("%s: %v %v", name, got, err)
		}
	}
	renewed, _, err := s.Renew(id, nil)
	if err != nil || renewed == nil || renewed.ID != id {
		t.Fatalf("renew: %+v %v", renewed, err)
	}

	// A held key is released when its holder is destroyed (behavior
	// delete: the key goes).
	kv := c.KV()
	if ok, _, err := kv.Acquire(&api.KVPair{Key: "leader", Value: []byte("me"), Session: id}, nil); err != nil || !ok {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if ok, _, err := kv.Acquire(&api.KVPair{Key: "leader", Session: plain}, nil); err != nil || ok {
		t.Fatalf("second session acquired a held key: %v %v", ok, err)
	}
	if ok, _, err := kv.Release(&api.KVPair{Key: "leader", Session: plain}, nil); err != nil || ok {
		t.Fatalf("non-holder released: %v %v", ok, err)
	}
	p, _, err := kv.Get("leader", nil)
	if err != nil || p == nil || p.Session != id || p.LockIndex != 1 {
		t.Fatalf("held key: %+v %v", p, err)
	}
	if _, err := s.Destroy(id, nil); err != nil {
		t.Fatal(err)
	}
	if p, _, err := kv.Get("leader", nil); err != nil || p != nil {
		t.Fatalf("key of a destroyed delete-session: %+v %v", p, err)
	}
	if info, _, err := s.Info(id, nil); err != nil || info != nil {
		t.Fatalf("info of a destroyed session: %+v %v", info, err)
	}
	if renewed, _, err := s.Renew(id, nil); err != nil || renewed != nil {
		t.Fatalf("renew of a destroyed session: %+v %v", renewed, err)
	}
	if err := s.RenewPeriodic("20ms", id, nil, nil); err != api.ErrSessionExpired {
		t.Fatalf("RenewPeriodic of a destroyed session: %v", err)
	}
}

func TestLiveTxn(t *testing.T) {
	c, _ := liveClient(t)
	if _, err := c.KV().Put(&api.KVPair{Key: "t/a", Value: []byte("1")}, nil); err != nil {
		t.Fatal(err)
	}
	ok, resp, _, err := c.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "t/b", Value: []byte("2")}},
		{KV: &api.KVTxnOp{Verb: api.KVGet, Key: "t/a"}},
	}, nil)
	if err != nil || !ok || len(resp.Results) != 2 || resp.Results[1].KV == nil || string(resp.Results[1].KV.Value) != "1" {
		t.Fatalf("txn: %v %+v %v", ok, resp, err)
	}

	// A failing third operation rolls back the first two, and the errors
	// come back as data, not as a Go error.
	ok, resp, _, err = c.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "t/c", Value: []byte("3")}},
		{KV: &api.KVTxnOp{Verb: api.KVDelete, Key: "t/a"}},
		{KV: &api.KVTxnOp{Verb: api.KVCAS, Key: "t/b", Value: []byte("x"), Index: 1}},
	}, nil)
	if err != nil || ok || len(resp.Errors) != 1 || resp.Errors[0].OpIndex != 2 || resp.Errors[0].What == "" {
		t.Fatalf("rolled-back txn: %v %+v %v", ok, resp, err)
	}
	pairs, _, err := c.KV().List("t/", nil)
	if err != nil || len(pairs) != 2 || pairs[0].Key != "t/a" || pairs[1].Key != "t/b" {
		t.Fatalf("after rollback: %v %v", pairs, err)
	}

	// The deprecated KV.Txn shorthand.
	ok, kvResp, _, err := c.KV().Txn(api.KVTxnOps{{Verb: api.KVGetTree, Key: "t/"}}, nil)
	if err != nil || !ok || len(kvResp.Results) != 2 {
		t.Fatalf("kv txn: %v %+v %v", ok, kvResp, err)
	}
}

func TestLiveEvents(t *testing.T) {
	c, _ := liveClient(t)
	id, _, err := c.Event().Fire(&api.UserEvent{Name: "deploy", Payload: []byte("v2")}, nil)
	if err != nil || id == "" {
		t.Fatalf("fire: %q %v", id, err)
	}
	if _, _, err := c.Event().Fire(&api.UserEvent{Name: "other"}, nil); err != nil {
		t.Fatal(err)
	}
	events, qm, err := c.Event().List("deploy", nil)
	if err != nil || len(events) != 1 || events[0].ID != id || string(events[0].Payload) != "v2" {
		t.Fatalf("list: %+v %v", events, err)
	}
	all, qm, err := c.Event().List("", nil)
	if err != nil || len(all) != 2 {
		t.Fatalf("list all: %+v %v", all, err)
	}
	if got := c.Event().IDToIndex(all[len(all)-1].ID); got != qm.LastIndex {
		t.Fatalf("IDToIndex of the newest event %d, list index %d", got, qm.LastIndex)
	}
}
