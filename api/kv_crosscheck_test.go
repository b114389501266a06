package api

import (
	"net/http"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// TestKVSessionTxnEventRequestsMatchConsul makes the same KV, session, txn
// and event calls with Consul's client and ours and compares what reaches
// the server: method, path, query, token and body.
func TestKVSessionTxnEventRequestsMatchConsul(t *testing.T) {
	qo := &consul.QueryOptions{WaitIndex: 9, WaitTime: 2 * time.Second, AllowStale: true, Token: "tok"}
	ourQO := &QueryOptions{WaitIndex: 9, WaitTime: 2 * time.Second, AllowStale: true, Token: "tok"}
	wo := &consul.WriteOptions{Datacenter: "dc2", Token: "w"}
	ourWO := &WriteOptions{Datacenter: "dc2", Token: "w"}
	pair := &consul.KVPair{Key: "a/b c?", Value: []byte("v\x00\xff"), Flags: 42, ModifyIndex: 7, Session: "s1"}
	ourPair := &KVPair{Key: "a/b c?", Value: []byte("v\x00\xff"), Flags: 42, ModifyIndex: 7, Session: "s1"}
	se := &consul.SessionEntry{Name: "n", Node: "node1", LockDelay: 3 * time.Second, Behavior: "delete", TTL: "15s",
		NodeChecks: []string{"serfHealth"}, ServiceChecks: []consul.ServiceCheck{{ID: "web"}}}
	ourSE := &SessionEntry{Name: "n", Node: "node1", LockDelay: 3 * time.Second, Behavior: "delete", TTL: "15s",
		NodeChecks: []string{"serfHealth"}, ServiceChecks: []ServiceCheck{{ID: "web"}}}
	txn := consul.TxnOps{
		{KV: &consul.KVTxnOp{Verb: consul.KVCAS, Key: "k", Value: []byte("x"), Index: 3}},
		{Node: &consul.NodeTxnOp{Verb: consul.NodeGet, Node: consul.Node{Node: "n1"}}},
		{Service: &consul.ServiceTxnOp{Verb: consul.ServiceDelete, Node: "n1", Service: consul.AgentService{ID: "web"}}},
	}
	ourTxn := TxnOps{
		{KV: &KVTxnOp{Verb: KVCAS, Key: "k", Value: []byte("x"), Index: 3}},
		{Node: &NodeTxnOp{Verb: NodeGet, Node: Node{Node: "n1"}}},
		{Service: &ServiceTxnOp{Verb: ServiceDelete, Node: "n1", Service: AgentService{ID: "web"}}},
	}
	ev := &consul.UserEvent{Name: "deploy", Payload: []byte("p"), NodeFilter: "n.*", ServiceFilter: "web", TagFilter: "v1"}
	ourEv := &UserEvent{Name: "deploy", Payload: []byte("p"), NodeFilter: "n.*", ServiceFilter: "web", TagFilter: "v1"}
	// Bodies of the txn and the checks inside it carry keys only we send.
	txnExtra := []string{"Session"}

	type call struct {
		name   string
		reply  string
		theirs func(c *consul.Client) error
		ours   func(c *Client) error
		extra  []string
	}
	calls := []call{
		{"kv get", "[]", func(c *consul.Client) error { _, _, err := c.KV().Get("a/b", qo); return err },
			func(c *Client) error { _, _, err := c.KV().Get("a/b", ourQO); return err }, nil},
		{"kv get leading slash", "[]", func(c *consul.Client) error { _, _, err := c.KV().Get("/a", nil); return err },
			func(c *Client) error { _, _, err := c.KV().Get("/a", nil); return err }, nil},
		{"kv list", "[]", func(c *consul.Client) error { _, _, err := c.KV().List("a/", qo); return err },
			func(c *Client) error { _, _, err := c.KV().List("a/", ourQO); return err }, nil},
		{"kv keys", "[]", func(c *consul.Client) error { _, _, err := c.KV().Keys("a/", "/", qo); return err },
			func(c *Client) error { _, _, err := c.KV().Keys("a/", "/", ourQO); return err }, nil},
		{"kv keys no separator", "[]", func(c *consul.Client) error { _, _, err := c.KV().Keys("", "", nil); return err },
			func(c *Client) error { _, _, err := c.KV().Keys("", "", nil); return err }, nil},
		{"kv put", "true", func(c *consul.Client) error { _, err := c.KV().Put(pair, wo); return err },
			func(c *Client) error { _, err := c.KV().Put(ourPair, ourWO); return err }, nil},
		{"kv cas", "true", func(c *consul.Client) error { _, _, err := c.KV().CAS(pair, nil); return err },
			func(c *Client) error { _, _, err := c.KV().CAS(ourPair, nil); return err }, nil},
		{"kv acquire", "true", func(c *consul.Client) error { _, _, err := c.KV().Acquire(pair, nil); return err },
			func(c *Client) error { _, _, err := c.KV().Acquire(ourPair, nil); return err }, nil},
		{"kv release", "true", func(c *consul.Client) error { _, _, err := c.KV().Release(pair, nil); return err },
			func(c *Client) error { _, _, err := c.KV().Release(ourPair, nil); return err }, nil},
		{"kv delete", "true", func(c *consul.Client) error { _, err := c.KV().Delete("a/b", wo); return err },
			func(c *Client) error { _, err := c.KV().Delete("a/b", ourWO); return err }, nil},
		{"kv delete cas", "true", func(c *consul.Client) error { _, _, err := c.KV().DeleteCAS(pair, nil); return err },
			func(c *Client) error { _, _, err := c.KV().DeleteCAS(ourPair, nil); return err }, nil},
		{"kv delete tree", "true", func(c *consul.Client) error { _, err := c.KV().DeleteTree("a/", nil); return err },
			func(c *Client) error { _, err := c.KV().DeleteTree("a/", nil); return err }, nil},
		{"session create", `{"ID":"x"}`, func(c *consul.Client) error { _, _, err := c.Session().Create(se, wo); return err },
			func(c *Client) error { _, _, err := c.Session().Create(ourSE, ourWO); return err }, nil},
		{"session create defaults", `{"ID":"x"}`, func(c *consul.Client) error { _, _, err := c.Session().Create(nil, nil); return err },
			func(c *Client) error { _, _, err := c.Session().Create(nil, nil); return err }, nil},
		{"session create no checks", `{"ID":"x"}`, func(c *consul.Client) error { _, _, err := c.Session().CreateNoChecks(se, nil); return err },
			func(c *Client) error { _, _, err := c.Session().CreateNoChecks(ourSE, nil); return err }, nil},
		{"session create no checks nil", `{"ID":"x"}`, func(c *consul.Client) error { _, _, err := c.Session().CreateNoChecks(nil, nil); return err },
			func(c *Client) error { _, _, err := c.Session().CreateNoChecks(nil, nil); return err }, nil},
		{"session destroy", "true", func(c *consul.Client) error { _, err := c.Session().Destroy("s1", wo); return err },
			func(c *Client) error { _, err := c.Session().Destroy("s1", ourWO); return err }, nil},
		{"session renew", "[]", func(c *consul.Client) error { _, _, err := c.Session().Renew("s1", nil); return err },
			func(c *Client) error { _, _, err := c.Session().Renew("s1", nil); return err }, nil},
		{"session info", "[]", func(c *consul.Client) error { _, _, err := c.Session().Info("s1", qo); return err },
			func(c *Client) error { _, _, err := c.Session().Info("s1", ourQO); return err }, nil},
		{"session node", "[]", func(c *consul.Client) error { _, _, err := c.Session().Node("n1", qo); return err },
			func(c *Client) error { _, _, err := c.Session().Node("n1", ourQO); return err }, nil},
		{"session list", "[]", func(c *consul.Client) error { _, _, err := c.Session().List(qo); return err },
			func(c *Client) error { _, _, err := c.Session().List(ourQO); return err }, nil},
		{"txn", `{"Results":[],"Errors":null}`, func(c *consul.Client) error { _, _, _, err := c.Txn().Txn(txn, qo); return err },
			func(c *Client) error { _, _, _, err := c.Txn().Txn(ourTxn, ourQO); return err }, txnExtra},
		{"kv txn", `{"Results":[],"Errors":null}`, func(c *consul.Client) error {
			_, _, _, err := c.KV().Txn(consul.KVTxnOps{{Verb: consul.KVGet, Key: "k"}}, nil)
			return err
		}, func(c *Client) error {
			_, _, _, err := c.KV().Txn(KVTxnOps{{Verb: KVGet, Key: "k"}}, nil)
			return err
		}, txnExtra},
		{"event fire", `{"ID":"b54fe110-7af5-cafc-d1fb-afc8ba432b1c"}`, func(c *consul.Client) error { _, _, err := c.Event().Fire(ev, wo); return err },
			func(c *Client) error { _, _, err := c.Event().Fire(ourEv, ourWO); return err }, nil},
		{"event list", "[]", func(c *consul.Client) error { _, _, err := c.Event().List("deploy", qo); return err },
			func(c *Client) error { _, _, err := c.Event().List("deploy", ourQO); return err }, nil},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"X-Consul-LastContact": "0", "X-Consul-KnownLeader": "true", "X-Consul-Index": "1"}
			ft := newFakeAgent(t, reply{header: hdr, body: tt.reply})
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			cc, err := consul.NewClient(&consul.Config{Address: ft.srv.URL, Transport: tr})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.theirs(cc); err != nil {
				t.Fatalf("consul client: %v", err)
			}
			fo := newFakeAgent(t, reply{header: hdr, body: tt.reply})
			if err := tt.ours(newTestClient(t, &Config{Address: fo.srv.URL})); err != nil {
				t.Fatalf("our client: %v", err)
			}
			ours, theirs := fo.request(), ft.request()
			if ours.header.Get("Content-Type") != theirs.header.Get("Content-Type") && len(theirs.body) > 0 {
				t.Fatalf("Content-Type %q, Consul's %q", ours.header.Get("Content-Type"), theirs.header.Get("Content-Type"))
			}
			if isJSON(theirs.body) || isJSON(ours.body) {
				compareRequests(t, ours, theirs, tt.extra)
				return
			}
			compareRequests(t, &captured{method: ours.method, path: ours.path, query: ours.query, header: ours.header},
				&captured{method: theirs.method, path: theirs.path, query: theirs.query, header: theirs.header}, nil)
			if string(ours.body) != string(theirs.body) {
				t.Fatalf("raw body %q, Consul's %q", ours.body, theirs.body)
			}
		})
	}
}

// isJSON reports whether a request body is a JSON document (as opposed to
// a raw KV value or event payload).
func isJSON(b []byte) bool {
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
