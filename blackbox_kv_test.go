//go:build unix

package main

// Black-box tests of the KV store, sessions, locks and transactions: the
// official Go client against the real binary.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/internal/kvhistory"
)

func TestBinaryKVWithGoClient(t *testing.T) {
	kv := startAgent(t, "-dev").client(t).KV()

	if _, err := kv.Put(&api.KVPair{Key: "app/config/db", Value: []byte("postgres"), Flags: 42}, nil); err != nil {
		t.Fatalf("put: %v", err)
	}
	for _, k := range []string{"app/config/cache", "app/name", "other"} {
		if _, err := kv.Put(&api.KVPair{Key: k, Value: []byte(k)}, nil); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	pair, meta, err := kv.Get("app/config/db", nil)
	if err != nil || pair == nil {
		t.Fatalf("get = %v, %v", pair, err)
	}
	if string(pair.Value) != "postgres" || pair.Flags != 42 || pair.CreateIndex == 0 || pair.ModifyIndex != pair.CreateIndex || meta.LastIndex == 0 {
		t.Errorf("get = %+v (index %d), want value postgres, flags 42, indexes set", pair, meta.LastIndex)
	}

	missing, meta, err := kv.Get("nope", nil)
	if err != nil || missing != nil || meta.LastIndex == 0 {
		t.Errorf("get of a missing key = %v, index %d, %v; want nil with an index", missing, meta.LastIndex, err)
	}

	list, _, err := kv.List("app/", nil)
	if err != nil || len(list) != 3 {
		t.Fatalf("list app/ = %d pairs, %v; want 3", len(list), err)
	}
	keys, _, err := kv.Keys("app/", "/", nil)
	if err != nil || !slices.Equal(keys, []string{"app/config/", "app/name"}) {
		t.Errorf("keys app/ with / = %q, %v; want [app/config/ app/name]", keys, err)
	}

	// CAS: a stale index loses, the current one wins.
	ok, _, err := kv.CAS(&api.KVPair{Key: "app/name", Value: []byte("x"), ModifyIndex: 1}, nil)
	if err != nil || ok {
		t.Errorf("CAS with a stale index = %v, %v; want false", ok, err)
	}
	cur, _, _ := kv.Get("app/name", nil)
	ok, _, err = kv.CAS(&api.KVPair{Key: "app/name", Value: []byte("y"), ModifyIndex: cur.ModifyIndex}, nil)
	if err != nil || !ok {
		t.Errorf("CAS with the current index = %v, %v; want true", ok, err)
	}

	if _, err := kv.DeleteTree("app/config/", nil); err != nil {
		t.Fatalf("delete tree: %v", err)
	}
	if list, _, _ := kv.List("app/", nil); len(list) != 1 || list[0].Key != "app/name" {
		t.Errorf("after delete tree, app/ = %v, want only app/name", list)
	}
}

func TestBinaryKVHTTPEdges(t *testing.T) {
	p := startAgent(t, "-dev")
	base := "http://" + p.httpAddr + "/v1/kv/"
	do := func(method, url string, body []byte) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := do("PUT", base+"raw", []byte("<script>alert(1)</script>"))
	if resp.StatusCode != 200 {
		t.Fatalf("put: %s", resp.Status)
	}
	resp, body := do("GET", base+"raw?raw", nil)
	if body != "<script>alert(1)</script>" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || strings.Contains(resp.Header.Get("Content-Type"), "html") {
		t.Errorf("raw get = %q with headers %v; want the bytes, nosniff, a sandbox CSP and no HTML type", body, resp.Header)
	}
	resp, _ = do("GET", base+"missing", nil)
	if resp.StatusCode != 404 || resp.Header.Get("X-Consul-Index") == "" || resp.Header.Get("X-Consul-Index") == "0" {
		t.Errorf("missing key = %s, X-Consul-Index %q; want 404 with an index", resp.Status, resp.Header.Get("X-Consul-Index"))
	}
	resp, body = do("PUT", base+"big", make([]byte, 512*1024+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") {
		t.Errorf("put of 512 KiB + 1 = %s %q, want 413 ... too large", resp.Status, body)
	}
	if resp, _ := do("PUT", base+"big", make([]byte, 512*1024)); resp.StatusCode != 200 {
		t.Errorf("put of exactly 512 KiB = %s, want 200", resp.Status)
	}
	for _, q := range []string{"?cas=1&acquire=x", "?flags=-1", "?cas=abc"} {
		if resp, body := do("PUT", base+"k"+q, nil); resp.StatusCode != 400 {
			t.Errorf("put %s = %s %q, want 400", q, resp.Status, body)
		}
	}
	if resp, _ := do("GET", base, nil); resp.StatusCode != 400 {
		t.Errorf("get of an empty key without recurse = %s, want 400", resp.Status)
	}
}

// TestBinaryKVCASRace: goroutines race to CAS the same index; exactly one
// wins each round.
func TestBinaryKVCASRace(t *testing.T) {
	kv := startAgent(t, "-dev").client(t).KV()
	const racers, rounds = 8, 20
	for round := range rounds {
		cur, _, err := kv.Get("race", nil)
		if err != nil {
			t.Fatal(err)
		}
		var idx uint64
		if cur != nil {
			idx = cur.ModifyIndex
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for r := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := kv.CAS(&api.KVPair{Key: "race", Value: []byte(strconv.Itoa(r)), ModifyIndex: idx}, nil)
				if err != nil {
					t.Errorf("CAS: %v", err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d CAS winners on index %d, want exactly 1", round, n, idx)
		}
	}
}

// TestBinaryLockHandover: a second api.Lock waits for the first holder,
// takes over when it unlocks, and the first learns nothing is lost.
func TestBinaryLockHandover(t *testing.T) {
	c := startAgent(t, "-dev").client(t)
	l1, err := c.LockOpts(&api.LockOptions{Key: "service/leader", Value: []byte("one")})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := c.LockOpts(&api.LockOptions{Key: "service/leader", Value: []byte("two")})
	if err != nil {
		t.Fatal(err)
	}
	lost1, err := l1.Lock(nil)
	if err != nil || lost1 == nil {
		t.Fatalf("first lock: %v", err)
	}
	got2 := make(chan error, 1)
	go func() {
		_, err := l2.Lock(nil)
		got2 <- err
	}()
	select {
	case err := <-got2:
		t.Fatalf("second holder got the lock while the first held it (err %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	pair, _, _ := c.KV().Get("service/leader", nil)
	if pair == nil || string(pair.Value) != "one" || pair.Session == "" {
		t.Fatalf("lock key while held = %+v, want value one with a session", pair)
	}
	if err := l1.Unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	select {
	case err := <-got2:
		if err != nil {
			t.Fatalf("second lock: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second holder did not get the lock after the first unlocked")
	}
	pair, _, _ = c.KV().Get("service/leader", nil)
	if pair == nil || string(pair.Value) != "two" || pair.LockIndex != 2 {
		t.Errorf("lock key after hand-over = %+v, want value two, LockIndex 2", pair)
	}
	if err := l2.Unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
}

// TestBinarySemaphoreLimit: with a limit of 2, a third contender waits
// until a holder releases.
func TestBinarySemaphoreLimit(t *testing.T) {
	c := startAgent(t, "-dev").client(t)
	sems := make([]*api.Semaphore, 3)
	for i := range sems {
		s, err := c.SemaphorePrefix("service/sem", 2)
		if err != nil {
			t.Fatal(err)
		}
		sems[i] = s
	}
	for i := range 2 {
		if lost, err := sems[i].Acquire(nil); err != nil || lost == nil {
			t.Fatalf("acquire %d: %v", i, err)
		}
	}
	third := make(chan error, 1)
	go func() {
		_, err := sems[2].Acquire(nil)
		third <- err
	}()
	select {
	case err := <-third:
		t.Fatalf("third contender acquired a full semaphore (err %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := sems[0].Release(); err != nil {
		t.Fatalf("release: %v", err)
	}
	select {
	case err := <-third:
		if err != nil {
			t.Fatalf("third acquire: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("third contender did not acquire after a release")
	}
	for _, s := range sems[1:] {
		if err := s.Release(); err != nil {
			t.Errorf("release: %v", err)
		}
	}
}

// TestBinaryTxnRollback: a transaction whose last operation fails writes
// nothing; too many operations are refused with 413.
func TestBinaryTxnRollback(t *testing.T) {
	p := startAgent(t, "-dev")
	c := p.client(t)
	ops := api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "txn/a", Value: []byte("1")}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "txn/b", Value: []byte("2")}},
		{KV: &api.KVTxnOp{Verb: api.KVCheckIndex, Key: "txn/c", Index: 99}},
	}
	ok, resp, _, err := c.Txn().Txn(ops, nil)
	if err != nil {
		t.Fatalf("txn: %v", err)
	}
	if ok || len(resp.Errors) != 1 || resp.Errors[0].OpIndex != 2 {
		t.Fatalf("txn with a failing check = ok %v, errors %+v; want rolled back with op 2 failing", ok, resp.Errors)
	}
	if list, _, _ := c.KV().List("txn/", nil); len(list) != 0 {
		t.Fatalf("rolled-back txn left %d keys", len(list))
	}

	ops = ops[:2]
	ok, resp, _, err = c.Txn().Txn(append(ops, &api.TxnOp{KV: &api.KVTxnOp{Verb: api.KVGet, Key: "txn/a"}}), nil)
	if err != nil || !ok || len(resp.Results) != 3 || string(resp.Results[2].KV.Value) != "1" {
		t.Fatalf("txn = ok %v, %+v, %v; want 3 results, the get reading 1", ok, resp, err)
	}

	var many api.TxnOps
	for i := range 129 {
		many = append(many, &api.TxnOp{KV: &api.KVTxnOp{Verb: api.KVSet, Key: fmt.Sprintf("many/%d", i)}})
	}
	_, _, _, err = c.Txn().Txn(many, nil)
	if err == nil || !strings.Contains(err.Error(), "too many operations (129 > 128)") {
		t.Errorf("txn of 129 ops = %v, want too many operations", err)
	}
	body, _ := json.Marshal(many)
	req, _ := http.NewRequest(http.MethodPut, "http://"+p.httpAddr+"/v1/txn", bytes.NewReader(body))
	hresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	hresp.Body.Close()
	if hresp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT /v1/txn with 129 ops = %s, want 413", hresp.Status)
	}
}

// TestBinaryKVKill9KeepsAcknowledgedWrites: every write the server
// acknowledged before a kill -9 is there after the restart.
func TestBinaryKVKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	mode := []string{"-server", "-bootstrap", "-data-dir", dir}
	p := startAgent(t, mode...)
	kv := p.client(t).KV()

	const writers = 16
	acked := make([]int, writers) // highest acknowledged sequence per writer
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ctx.Err() == nil; seq++ {
				_, err := kv.Put(&api.KVPair{Key: fmt.Sprintf("burst/%d", w), Value: []byte(strconv.Itoa(seq))}, nil)
				if err != nil {
					return
				}
				acked[w] = seq
			}
		}()
	}
	wg.Wait()
	p.kill9(t)

	kv = startAgent(t, mode...).client(t).KV()
	total := 0
	for w, seq := range acked {
		total += seq
		pair, _, err := kv.Get(fmt.Sprintf("burst/%d", w), nil)
		if err != nil {
			t.Fatalf("get after restart: %v", err)
		}
		if seq == 0 {
			continue
		}
		if pair == nil {
			t.Fatalf("burst/%d is gone after kill -9; %d was acknowledged", w, seq)
		}
		if got, _ := strconv.Atoi(string(pair.Value)); got < seq {
			t.Errorf("burst/%d = %d after kill -9, but %d was acknowledged", w, got, seq)
		}
	}
	if total == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	t.Logf("%d acknowledged writes by %d writers survived kill -9", total, writers)
}

// TestBinaryKVLinearizable records a concurrent get/put/CAS/delete history
// against one server and checks it with porcupine.
func TestBinaryKVLinearizable(t *testing.T) {
	kv := startAgent(t, "-dev").client(t).KV()
	seed := uint64(time.Now().UnixNano())
	w := kvhistory.Workload{Clients: 8, Keys: []string{"lin/a", "lin/b", "lin/c"}, Duration: 2 * time.Second, Seed: seed}
	h := w.Run(context.Background(), consulKV{kv})
	res := h.Check(time.Minute)
	t.Logf("checked %d operations (seed %d): %s", h.Len(), seed, res)
	if res != porcupine.Ok {
		t.Fatalf("history of %d operations (seed %d) is %s, want linearizable", h.Len(), seed, res)
	}
	if h.Len() < 100 {
		t.Fatalf("only %d operations recorded; the workload did not run", h.Len())
	}
}

// consulKV is kvhistory.Store over the official client.
type consulKV struct{ kv *api.KV }

func (c consulKV) Get(ctx context.Context, key string) (string, uint64, error) {
	p, _, err := c.kv.Get(key, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil || p == nil {
		return "", 0, err
	}
	return string(p.Value), p.ModifyIndex, nil
}

func (c consulKV) Put(ctx context.Context, key, value string) error {
	_, err := c.kv.Put(&api.KVPair{Key: key, Value: []byte(value)}, (&api.WriteOptions{}).WithContext(ctx))
	return err
}

func (c consulKV) CAS(ctx context.Context, key, value string, index uint64) (bool, error) {
	ok, _, err := c.kv.CAS(&api.KVPair{Key: key, Value: []byte(value), ModifyIndex: index}, (&api.WriteOptions{}).WithContext(ctx))
	return ok, err
}

func (c consulKV) Delete(ctx context.Context, key string) error {
	_, err := c.kv.Delete(key, (&api.WriteOptions{}).WithContext(ctx))
	return err
}

// TestPythonConsulKV drives KV, sessions and events with Debian's
// python3-consul.
func TestPythonConsulKV(t *testing.T) {
	requirePythonConsul(t)
	p := startAgent(t, "-dev")
	var got map[string]any
	runPython(t, p, pythonKVScript, &got)
	want := map[string]any{
		"put": true, "value": "hello", "flags": 5.0, "recurse": []any{"py/a", "py/b/c"},
		"keys": []any{"py/a", "py/b/"}, "cas_create_existing": false,
		"acquire": true, "acquire_other": false, "lock_session_held": true,
		"release": true, "destroy": true, "info_after_destroy": nil,
		"event_payload": "djI=", "event_listed": true,
		"delete_recurse": true, "after_delete": nil, "missing": nil,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

// pythonKVScript drives python-consul's KV, session and event calls
// against the agent whose HTTP port is argv[1] and prints what it saw.
const pythonKVScript = `
import json, sys
import consul

c = consul.Consul(host='127.0.0.1', port=int(sys.argv[1]))
out = {}
out['put'] = c.kv.put('py/a', 'hello', flags=5)
c.kv.put('py/b/c', 'x')
_, a = c.kv.get('py/a')
out['value'] = a['Value'].decode()
out['flags'] = a['Flags']
_, lst = c.kv.get('py/', recurse=True)
out['recurse'] = [e['Key'] for e in lst]
_, keys = c.kv.get('py/', keys=True, separator='/')
out['keys'] = keys
out['cas_create_existing'] = c.kv.put('py/a', 'again', cas=0)

sid = c.session.create(name='py', ttl=10)
other = c.session.create(name='other')
out['acquire'] = c.kv.put('py/lock', 'me', acquire=sid)
out['acquire_other'] = c.kv.put('py/lock', 'them', acquire=other)
_, held = c.kv.get('py/lock')
out['lock_session_held'] = held['Session'] == sid
out['release'] = c.kv.put('py/lock', 'me', release=sid)
out['destroy'] = c.session.destroy(sid)
_, info = c.session.info(sid)
out['info_after_destroy'] = info
c.session.destroy(other)

ev = c.event.fire('deploy', 'v2')
out['event_payload'] = ev['Payload']
_, events = c.event.list(name='deploy')
out['event_listed'] = any(e['ID'] == ev['ID'] for e in events)

out['delete_recurse'] = c.kv.delete('py/', recurse=True)
_, out['after_delete'] = c.kv.get('py/a')
_, out['missing'] = c.kv.get('never/written')
print(json.dumps(out))
`
