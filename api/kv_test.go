package api

import (
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// Client-side behaviour the server cannot show: the requests built, 404s
// that are answers rather than errors, 409 bodies decoded into errors.

func TestKVCalls(t *testing.T) {
	meta := map[string]string{"X-Consul-Index": "12", "X-Consul-KnownLeader": "true", "X-Consul-LastContact": "0"}
	runCases(t, []apiCase{
		{
			name:  "get decodes base64 values",
			reply: reply{header: meta, body: `[{"Key":"a","CreateIndex":3,"ModifyIndex":5,"LockIndex":1,"Flags":9,"Value":"AP8=","Session":"s"}]`},
			call: func(c *Client) (any, error) {
				p, qm, err := c.KV().Get("a", &QueryOptions{WaitIndex: 4, WaitTime: time.Second, RequireConsistent: true})
				if err != nil {
					return nil, err
				}
				return []any{p, qm.LastIndex}, nil
			},
			method: "GET", path: "/v1/kv/a", query: q("index", "4", "wait", "1000ms", "consistent", ""),
			want: []any{&KVPair{Key: "a", CreateIndex: 3, ModifyIndex: 5, LockIndex: 1, Flags: 9, Value: []byte{0, 0xff}, Session: "s"}, uint64(12)},
		},
		{
			name:  "get of a missing key is nil with the index",
			reply: reply{status: 404, header: meta},
			call: func(c *Client) (any, error) {
				p, qm, err := c.KV().Get("/nope", nil)
				if err != nil {
					return nil, err
				}
				return []any{p == nil, qm.LastIndex}, nil
			},
			method: "GET", path: "/v1/kv/nope",
			want: []any{true, uint64(12)},
		},
		{
			name:  "list of an empty prefix is nil",
			reply: reply{status: 404, header: meta},
			call: func(c *Client) (any, error) {
				ps, _, err := c.KV().List("p/", nil)
				return ps == nil, err
			},
			method: "GET", path: "/v1/kv/p/", query: q("recurse", ""),
			want: true,
		},
		{
			name:   "keys with separator",
			reply:  reply{header: meta, body: `["p/a","p/b/"]`},
			call:   func(c *Client) (any, error) { ks, _, err := c.KV().Keys("p/", "/", nil); return ks, err },
			method: "GET", path: "/v1/kv/p/", query: q("keys", "", "separator", "/"),
			want: []string{"p/a", "p/b/"},
		},
		{
			name:   "server errors are errors",
			reply:  reply{status: 500, body: "rpc error"},
			call:   func(c *Client) (any, error) { _, _, err := c.KV().Get("a", nil); return nil, err },
			method: "GET", path: "/v1/kv/a",
			wantErr: "Unexpected response code: 500 (rpc error)",
		},
		{
			name:  "cas false",
			reply: reply{body: "false"},
			call: func(c *Client) (any, error) {
				ok, _, err := c.KV().CAS(&KVPair{Key: "k", ModifyIndex: 0}, nil)
				return ok, err
			},
			method: "PUT", path: "/v1/kv/k", query: q("cas", "0"),
			want: false,
		},
		{
			name:  "acquire with flags",
			reply: reply{body: "true"},
			call: func(c *Client) (any, error) {
				ok, _, err := c.KV().Acquire(&KVPair{Key: "k", Session: "s1", Flags: 3}, nil)
				return ok, err
			},
			method: "PUT", path: "/v1/kv/k", query: q("acquire", "s1", "flags", "3"),
			want: true,
		},
		{
			name:    "put of a key starting with / is refused",
			call:    func(c *Client) (any, error) { _, err := c.KV().Put(&KVPair{Key: "/k"}, nil); return nil, err },
			noCall:  true,
			wantErr: "Key must not begin with a '/'",
		},
		{
			name:  "delete-cas",
			reply: reply{body: "true"},
			call: func(c *Client) (any, error) {
				ok, _, err := c.KV().DeleteCAS(&KVPair{Key: "k", ModifyIndex: 8}, &WriteOptions{Token: "t"})
				return ok, err
			},
			method: "DELETE", path: "/v1/kv/k", query: q("cas", "8"), token: "t",
			want: true,
		},
	})
}

func TestTxnConflictReturnsErrorsNotAnError(t *testing.T) {
	runCases(t, []apiCase{
		{
			name: "409 decoded",
			reply: reply{status: 409, header: map[string]string{"X-Consul-Index": "4"},
				body: `{"Results":null,"Errors":[{"OpIndex":1,"What":"failed to lock key \"k\": session \"x\" does not exist"}]}`},
			call: func(c *Client) (any, error) {
				ok, resp, qm, err := c.Txn().Txn(TxnOps{{KV: &KVTxnOp{Verb: KVLock, Key: "k", Session: "x"}}}, nil)
				if err != nil {
					return nil, err
				}
				return []any{ok, resp, qm.LastIndex}, nil
			},
			method: "PUT", path: "/v1/txn",
			body: `[{"KV":{"Verb":"lock","Key":"k","Value":null,"Flags":0,"Index":0,"Session":"x"},"Node":null,"Service":null,"Check":null,"Session":null}]`,
			want: []any{false, &TxnResponse{Errors: TxnErrors{{OpIndex: 1, What: `failed to lock key "k": session "x" does not exist`}}}, uint64(4)},
		},
		{
			name:  "200 decoded",
			reply: reply{body: `{"Results":[{"KV":{"Key":"k","Value":"eA==","Flags":0,"Session":"","LockIndex":0,"CreateIndex":2,"ModifyIndex":2}}],"Errors":null}`},
			call: func(c *Client) (any, error) {
				ok, resp, _, err := c.Txn().Txn(TxnOps{{KV: &KVTxnOp{Verb: KVGet, Key: "k"}}}, &QueryOptions{AllowStale: true})
				return []any{ok, resp}, err
			},
			method: "PUT", path: "/v1/txn", query: q("stale", ""),
			body: `[{"KV":{"Verb":"get","Key":"k","Value":null,"Flags":0,"Index":0,"Session":""},"Node":null,"Service":null,"Check":null,"Session":null}]`,
			want: []any{true, &TxnResponse{Results: TxnResults{{KV: &KVPair{Key: "k", Value: []byte("x"), CreateIndex: 2, ModifyIndex: 2}}}}},
		},
		{
			name:   "413 is an error",
			reply:  reply{status: 413, body: "Transaction contains too many operations (129 > 128)"},
			call:   func(c *Client) (any, error) { _, _, _, err := c.Txn().Txn(TxnOps{}, nil); return nil, err },
			method: "PUT", path: "/v1/txn", body: `[]`,
			wantErr: "413",
		},
	})
}

func TestSessionCalls(t *testing.T) {
	runCases(t, []apiCase{
		{
			name:   "renew of an unknown session is nil",
			reply:  reply{status: 404, body: "Session id 'x' not found"},
			call:   func(c *Client) (any, error) { se, _, err := c.Session().Renew("x", nil); return se == nil, err },
			method: "PUT", path: "/v1/session/renew/x",
			want: true,
		},
		{
			name:   "info of an unknown session is nil",
			reply:  reply{body: `[]`},
			call:   func(c *Client) (any, error) { se, _, err := c.Session().Info("x", nil); return se == nil, err },
			method: "GET", path: "/v1/session/info/x",
			want: true,
		},
		{
			name:   "info decodes the lock delay in nanoseconds",
			reply:  reply{body: `[{"ID":"x","Name":"n","Node":"n1","LockDelay":15000000000,"Behavior":"release","TTL":"30s","NodeChecks":["serfHealth"],"ServiceChecks":null,"CreateIndex":5,"ModifyIndex":6}]`},
			call:   func(c *Client) (any, error) { se, _, err := c.Session().Info("x", nil); return se, err },
			method: "GET", path: "/v1/session/info/x",
			want: &SessionEntry{ID: "x", Name: "n", Node: "n1", LockDelay: 15 * time.Second, Behavior: "release", TTL: "30s",
				NodeChecks: []string{"serfHealth"}, CreateIndex: 5, ModifyIndex: 6},
		},
		{
			name:  "create sends the lock delay in milliseconds",
			reply: reply{body: `{"ID":"new"}`},
			call: func(c *Client) (any, error) {
				id, _, err := c.Session().Create(&SessionEntry{LockDelay: 1500 * time.Millisecond}, nil)
				return id, err
			},
			method: "PUT", path: "/v1/session/create", body: `{"LockDelay":"1500ms"}`,
			want: "new",
		},
	})
}

func TestRenewPeriodicReportsExpiry(t *testing.T) {
	f := newFakeAgent(t, reply{status: 404, body: "Session id 'x' not found"})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	if err := c.Session().RenewPeriodic("2ms", "x", nil, nil); err != ErrSessionExpired {
		t.Fatalf("RenewPeriodic = %v, want ErrSessionExpired", err)
	}
	if err := c.Session().RenewPeriodic("ten", "x", nil, nil); err == nil {
		t.Fatal("a bad TTL was accepted")
	}
}

func TestRenewPeriodicDestroysWhenDone(t *testing.T) {
	f := newFakeAgent(t, reply{body: "true"})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	done := make(chan struct{})
	close(done)
	if err := c.Session().RenewPeriodic("1h", "x", nil, done); err != nil {
		t.Fatal(err)
	}
	if r := f.request(); r == nil || r.method != "PUT" || r.path != "/v1/session/destroy/x" {
		t.Fatalf("last request %+v", r)
	}
}

func TestEventCalls(t *testing.T) {
	runCases(t, []apiCase{
		{
			name:  "fire sends the payload raw",
			reply: reply{body: `{"ID":"b54fe110-7af5-cafc-d1fb-afc8ba432b1c","Name":"deploy","Payload":"eA==","Version":1,"LTime":0}`},
			call: func(c *Client) (any, error) {
				id, _, err := c.Event().Fire(&UserEvent{Name: "deploy", ServiceFilter: "web"}, nil)
				return id, err
			},
			method: "PUT", path: "/v1/event/fire/deploy", query: q("service", "web"),
			want: "b54fe110-7af5-cafc-d1fb-afc8ba432b1c",
		},
		{
			name:  "list by name",
			reply: reply{header: map[string]string{"X-Consul-Index": "77"}, body: `[{"ID":"i","Name":"deploy","Payload":null,"Version":1,"LTime":3}]`},
			call: func(c *Client) (any, error) {
				evs, qm, err := c.Event().List("deploy", nil)
				return []any{evs, qm.LastIndex}, err
			},
			method: "GET", path: "/v1/event/list", query: q("name", "deploy"),
			want: []any{[]*UserEvent{{ID: "i", Name: "deploy", Version: 1, LTime: 3}}, uint64(77)},
		},
	})
}

func TestEventIDToIndexMatchesConsul(t *testing.T) {
	theirs := (&consul.Client{}).Event()
	ours := (&Client{}).Event()
	for _, id := range []string{"b54fe110-7af5-cafc-d1fb-afc8ba432b1c", "00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff", "0123abcd-4567-89ef-0123-456789abcdef"} {
		if got, want := ours.IDToIndex(id), theirs.IDToIndex(id); got != want {
			t.Errorf("IDToIndex(%s) = %d, Consul's %d", id, got, want)
		}
	}
	for _, bad := range []string{"", "xyz", "b54fe110-7af5-cafc-d1fb-afc8ba432b1", "g54fe110-7af5-cafc-d1fb-afc8ba432b1c"} {
		if got := ours.IDToIndex(bad); got != 0 {
			t.Errorf("IDToIndex(%q) = %d, want 0", bad, got)
		}
	}
}

func TestIsRetryableError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{StatusError{Code: 500, Body: "x"}, true},
		{StatusError{Code: 404}, false},
		{errors.New("plain"), false},
		{&url.Error{Op: "Get", URL: "http://x", Err: errors.New("connection refused")}, true},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, true},
	}
	for _, tt := range tests {
		if got := IsRetryableError(tt.err); got != tt.want {
			t.Errorf("IsRetryableError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestNextIndex(t *testing.T) {
	tests := []struct{ prev, got, want uint64 }{
		{0, 0, 1}, {0, 5, 5}, {5, 9, 9}, {9, 5, 0}, {5, 5, 5},
	}
	for _, tt := range tests {
		if got := nextIndex(tt.prev, tt.got); got != tt.want {
			t.Errorf("nextIndex(%d, %d) = %d, want %d", tt.prev, tt.got, got, tt.want)
		}
	}
}
