package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// These tests hold our wire types and requests against the official Consul
// Go client: a program that swaps one for the other must see the same JSON.

// wirePair is one of our types and its Consul twin, plus the keys only we
// send (fields Consul's server sends that its client does not model).
type wirePair struct {
	name   string
	ours   func() any
	theirs func() any
	extra  []string // dotted key paths present only in our JSON
}

func wirePairs() []wirePair {
	return []wirePair{
		{"AgentService", func() any { return new(AgentService) }, func() any { return new(consul.AgentService) }, nil},
		{"AgentServiceRegistration", func() any { return new(AgentServiceRegistration) }, func() any { return new(consul.AgentServiceRegistration) },
			[]string{"Check.DisableRedirects", "Check.OSService", "Check.OutputMaxSize", "Checks.DisableRedirects", "Checks.OSService", "Checks.OutputMaxSize",
				"Connect.SidecarService.Check.DisableRedirects", "Connect.SidecarService.Check.OSService", "Connect.SidecarService.Check.OutputMaxSize",
				"Connect.SidecarService.Checks.DisableRedirects", "Connect.SidecarService.Checks.OSService", "Connect.SidecarService.Checks.OutputMaxSize"}},
		{"AgentServiceCheck", func() any { return new(AgentServiceCheck) }, func() any { return new(consul.AgentServiceCheck) },
			[]string{"DisableRedirects", "OSService", "OutputMaxSize"}},
		{"AgentCheckRegistration", func() any { return new(AgentCheckRegistration) }, func() any { return new(consul.AgentCheckRegistration) },
			[]string{"DisableRedirects", "OSService", "OutputMaxSize"}},
		{"AgentCheck", func() any { return new(AgentCheck) }, func() any { return new(consul.AgentCheck) },
			[]string{"ServiceTags", "Interval", "Timeout"}},
		{"AgentMember", func() any { return new(AgentMember) }, func() any { return new(consul.AgentMember) }, nil},
		{"AgentToken", func() any { return new(AgentToken) }, func() any { return new(consul.AgentToken) }, nil},
		{"AgentServiceChecksInfo", func() any { return new(AgentServiceChecksInfo) }, func() any { return new(consul.AgentServiceChecksInfo) },
			[]string{"Checks.Interval", "Checks.Timeout"}},
		{"Node", func() any { return new(Node) }, func() any { return new(consul.Node) }, nil},
		{"CatalogService", func() any { return new(CatalogService) }, func() any { return new(consul.CatalogService) },
			[]string{"ServiceKind", "ServiceSocketPath", "ServiceConnect", "PeerName", "Checks.Interval", "Checks.Timeout"}},
		{"CatalogNode", func() any { return new(CatalogNode) }, func() any { return new(consul.CatalogNode) }, nil},
		{"CatalogNodeServiceList", func() any { return new(CatalogNodeServiceList) }, func() any { return new(consul.CatalogNodeServiceList) }, nil},
		{"CatalogRegistration", func() any { return new(CatalogRegistration) }, func() any { return new(consul.CatalogRegistration) },
			[]string{"Check.ServiceTags", "Check.Interval", "Check.Timeout", "Checks.Interval", "Checks.Timeout"}},
		{"CatalogDeregistration", func() any { return new(CatalogDeregistration) }, func() any { return new(consul.CatalogDeregistration) }, nil},
		{"ServiceEntry", func() any { return new(ServiceEntry) }, func() any { return new(consul.ServiceEntry) },
			[]string{"Checks.Interval", "Checks.Timeout"}},
		{"HealthCheck", func() any { return new(HealthCheck) }, func() any { return new(consul.HealthCheck) }, []string{"Interval", "Timeout"}},
		{"HealthCheckDefinition", func() any { return new(HealthCheckDefinition) }, func() any { return new(consul.HealthCheckDefinition) }, nil},
		{"AgentServiceConnectProxyConfig", func() any { return new(AgentServiceConnectProxyConfig) }, func() any { return new(consul.AgentServiceConnectProxyConfig) }, nil},
		{"Upstream", func() any { return new(Upstream) }, func() any { return new(consul.Upstream) }, nil},
		{"ExposePath", func() any { return new(ExposePath) }, func() any { return new(consul.ExposePath) }, nil},
		{"PreparedQueryDefinition", func() any { return new(PreparedQueryDefinition) }, func() any { return new(consul.PreparedQueryDefinition) },
			[]string{"CreateIndex", "ModifyIndex"}},
		{"PreparedQueryExecuteResponse", func() any { return new(PreparedQueryExecuteResponse) }, func() any { return new(consul.PreparedQueryExecuteResponse) },
			[]string{"Nodes.Checks.Interval", "Nodes.Checks.Timeout"}},
		{"AgentServiceConnect", func() any { return new(AgentServiceConnect) }, func() any { return new(consul.AgentServiceConnect) },
			[]string{"SidecarService.Check.DisableRedirects", "SidecarService.Check.OSService", "SidecarService.Check.OutputMaxSize",
				"SidecarService.Checks.DisableRedirects", "SidecarService.Checks.OSService", "SidecarService.Checks.OutputMaxSize"}},
		// KV, sessions, transactions and events (issue 4).
		{"KVPair", func() any { return new(KVPair) }, func() any { return new(consul.KVPair) }, nil},
		{"KVTxnOp", func() any { return new(KVTxnOp) }, func() any { return new(consul.KVTxnOp) }, nil},
		{"KVTxnResponse", func() any { return new(KVTxnResponse) }, func() any { return new(consul.KVTxnResponse) }, nil},
		{"SessionEntry", func() any { return new(SessionEntry) }, func() any { return new(consul.SessionEntry) }, []string{"ModifyIndex"}},
		{"ServiceCheck", func() any { return new(ServiceCheck) }, func() any { return new(consul.ServiceCheck) }, nil},
		{"TxnOp", func() any { return new(TxnOp) }, func() any { return new(consul.TxnOp) },
			[]string{"Session", "Check.Check.Interval", "Check.Check.Timeout"}},
		{"TxnResponse", func() any { return new(TxnResponse) }, func() any { return new(consul.TxnResponse) },
			[]string{"Results.Check.Interval", "Results.Check.Timeout"}},
		{"TxnError", func() any { return new(TxnError) }, func() any { return new(consul.TxnError) }, nil},
		{"UserEvent", func() any { return new(UserEvent) }, func() any { return new(consul.UserEvent) }, nil},
	}
}

// TestWireZeroValues compares the JSON of zero values: it pins which
// fields are always sent and which are left out when empty.
func TestWireZeroValues(t *testing.T) {
	for _, p := range wirePairs() {
		t.Run(p.name, func(t *testing.T) {
			compareWire(t, mustMarshal(t, p.ours()), mustMarshal(t, p.theirs()), p.extra)
		})
	}
}

// TestWireFilledValues fills every field of Consul's type, and checks that
// our type decodes that JSON and encodes it back to the same document.
func TestWireFilledValues(t *testing.T) {
	for _, p := range wirePairs() {
		t.Run(p.name, func(t *testing.T) {
			theirs := p.theirs()
			fill(reflect.ValueOf(theirs).Elem(), 0)
			doc := mustMarshal(t, theirs)
			ours := p.ours()
			if err := json.Unmarshal(doc, ours); err != nil {
				t.Fatalf("decode Consul JSON: %v\n%s", err, doc)
			}
			// Round-trip Consul's side too, so both went through a decode.
			again := p.theirs()
			if err := json.Unmarshal(doc, again); err != nil {
				t.Fatal(err)
			}
			compareWire(t, mustMarshal(t, ours), mustMarshal(t, again), p.extra)
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return b
}

// compareWire compares two JSON documents after removing the keys listed
// in extra from ours (each must be present there).
func compareWire(t *testing.T, ours, theirs []byte, extra []string) {
	t.Helper()
	var o, th any
	if err := json.Unmarshal(ours, &o); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(theirs, &th); err != nil {
		t.Fatal(err)
	}
	for _, path := range extra {
		dropPath(o, strings.Split(path, "."))
	}
	if diff := jsonDiff("", o, th); len(diff) > 0 {
		sort.Strings(diff)
		t.Fatalf("wire differs from Consul's client:\n  %s\nours:   %s\ntheirs: %s", strings.Join(diff, "\n  "), ours, theirs)
	}
}

// dropPath deletes a dotted key path from a decoded document, descending
// through arrays.
func dropPath(v any, path []string) {
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(x, path[0])
			return
		}
		dropPath(x[path[0]], path[1:])
	case []any:
		for _, e := range x {
			dropPath(e, path)
		}
	}
}

// jsonDiff lists the places where a and b differ.
func jsonDiff(at string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		for k, av := range am {
			bv, ok := bm[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: only in ours (%v)", at, k, av))
				continue
			}
			out = append(out, jsonDiff(at+"."+k, av, bv)...)
		}
		for k, bv := range bm {
			if _, ok := am[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: only in Consul's (%v)", at, k, bv))
			}
		}
		return out
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		var out []string
		for i := range as {
			out = append(out, jsonDiff(fmt.Sprintf("%s[%d]", at, i), as[i], bs[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(a, b) {
		return []string{fmt.Sprintf("%s: ours %v, Consul's %v", at, a, b)}
	}
	return nil
}

// fill sets every settable field of v to a non-zero value, down to depth 4
// (the sidecar registration nests a registration in itself).
func fill(v reflect.Value, depth int) {
	if depth > 4 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Type() == reflect.TypeOf(time.Duration(0)) || v.Type().Name() == "ReadableDuration" {
			v.SetInt(int64(3 * time.Second))
			return
		}
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

// TestRequestsMatchConsul makes the same calls with Consul's client and
// ours and compares what reaches the server.
func TestRequestsMatchConsul(t *testing.T) {
	reg := new(consul.AgentServiceRegistration)
	fill(reflect.ValueOf(reg).Elem(), 0)
	var ourReg AgentServiceRegistration
	roundTrip(t, reg, &ourReg)
	chk := new(consul.AgentCheckRegistration)
	fill(reflect.ValueOf(chk).Elem(), 0)
	var ourChk AgentCheckRegistration
	roundTrip(t, chk, &ourChk)
	creg := new(consul.CatalogRegistration)
	fill(reflect.ValueOf(creg).Elem(), 0)
	var ourCreg CatalogRegistration
	roundTrip(t, creg, &ourCreg)
	qo := &consul.QueryOptions{Datacenter: "dc2", AllowStale: true, WaitIndex: 5, WaitTime: 3 * time.Second, Token: "t",
		Near: "_agent", NodeMeta: map[string]string{"a": "b"}, Filter: "x", UseCache: true, MaxAge: time.Minute}
	ourQO := &QueryOptions{Datacenter: "dc2", AllowStale: true, WaitIndex: 5, WaitTime: 3 * time.Second, Token: "t",
		Near: "_agent", NodeMeta: map[string]string{"a": "b"}, Filter: "x", UseCache: true, MaxAge: time.Minute}

	tests := []struct {
		name   string
		reply  string
		theirs func(c *consul.Client) error
		ours   func(c *Client) error
		extra  []string // body keys only we send
	}{
		{"service register", "", func(c *consul.Client) error {
			return c.Agent().ServiceRegisterOpts(reg, consul.ServiceRegisterOpts{ReplaceExistingChecks: true})
		}, func(c *Client) error {
			return c.Agent().ServiceRegisterOpts(&ourReg, ServiceRegisterOpts{ReplaceExistingChecks: true})
		}, []string{"Check.DisableRedirects", "Check.OSService", "Check.OutputMaxSize", "Checks.DisableRedirects",
			"Checks.OSService", "Checks.OutputMaxSize", "Connect.SidecarService.Check.DisableRedirects",
			"Connect.SidecarService.Check.OSService", "Connect.SidecarService.Check.OutputMaxSize",
			"Connect.SidecarService.Checks.DisableRedirects", "Connect.SidecarService.Checks.OSService",
			"Connect.SidecarService.Checks.OutputMaxSize"}},
		{"check register", "", func(c *consul.Client) error { return c.Agent().CheckRegister(chk) },
			func(c *Client) error { return c.Agent().CheckRegister(&ourChk) }, []string{"DisableRedirects", "OSService", "OutputMaxSize"}},
		{"update ttl", "", func(c *consul.Client) error { return c.Agent().UpdateTTL("c1", "out", "fail") },
			func(c *Client) error { return c.Agent().UpdateTTL("c1", "out", "fail") }, nil},
		{"pass ttl", "", func(c *consul.Client) error { return c.Agent().PassTTL("c1", "n") },
			func(c *Client) error { return c.Agent().PassTTL("c1", "n") }, nil},
		{"service maintenance", "", func(c *consul.Client) error { return c.Agent().EnableServiceMaintenance("s1", "r") },
			func(c *Client) error { return c.Agent().EnableServiceMaintenance("s1", "r") }, nil},
		{"node maintenance off", "", func(c *consul.Client) error { return c.Agent().DisableNodeMaintenance() },
			func(c *Client) error { return c.Agent().DisableNodeMaintenance() }, nil},
		{"members wan", "[]", func(c *consul.Client) error { _, err := c.Agent().Members(true); return err },
			func(c *Client) error { _, err := c.Agent().Members(true); return err }, nil},
		{"catalog register", "true", func(c *consul.Client) error { _, err := c.Catalog().Register(creg, nil); return err },
			func(c *Client) error { _, err := c.Catalog().Register(&ourCreg, nil); return err },
			[]string{"Check.ServiceTags", "Check.Interval", "Check.Timeout", "Checks.Interval", "Checks.Timeout"}},
		{"catalog deregister", "true", func(c *consul.Client) error {
			_, err := c.Catalog().Deregister(&consul.CatalogDeregistration{Node: "n", CheckID: "c"}, &consul.WriteOptions{Datacenter: "dc3"})
			return err
		}, func(c *Client) error {
			_, err := c.Catalog().Deregister(&CatalogDeregistration{Node: "n", CheckID: "c"}, &WriteOptions{Datacenter: "dc3"})
			return err
		}, nil},
		{"health service", "[]", func(c *consul.Client) error {
			_, _, err := c.Health().ServiceMultipleTags("web", []string{"a", "b"}, true, qo)
			return err
		}, func(c *Client) error {
			_, _, err := c.Health().ServiceMultipleTags("web", []string{"a", "b"}, true, ourQO)
			return err
		}, nil},
		{"catalog nodes", "[]", func(c *consul.Client) error { _, _, err := c.Catalog().Nodes(qo); return err },
			func(c *Client) error { _, _, err := c.Catalog().Nodes(ourQO); return err }, nil},
		{"agent service", "{}", func(c *consul.Client) error {
			_, _, err := c.Agent().Service("web", &consul.QueryOptions{WaitHash: "h", WaitTime: time.Second})
			return err
		}, func(c *Client) error {
			_, _, err := c.Agent().Service("web", &QueryOptions{WaitHash: "h", WaitTime: time.Second})
			return err
		}, nil},
	}
	for _, tt := range tests {
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
			compareRequests(t, fo.request(), ft.request(), tt.extra)
		})
	}
}

func compareRequests(t *testing.T, ours, theirs *captured, extra []string) {
	t.Helper()
	if ours.method != theirs.method || ours.path != theirs.path {
		t.Fatalf("request %s %s, Consul's %s %s", ours.method, ours.path, theirs.method, theirs.path)
	}
	if !reflect.DeepEqual(ours.query, theirs.query) {
		t.Fatalf("query %v, Consul's %v", ours.query, theirs.query)
	}
	headers := []string{"X-Consul-Token", "Cache-Control"}
	if len(ours.body) > 0 {
		headers = append(headers, "Content-Type") // Consul's client sets it on bodyless requests too
	}
	for _, h := range headers {
		if ours.header.Get(h) != theirs.header.Get(h) {
			t.Fatalf("%s: %q, Consul's %q", h, ours.header.Get(h), theirs.header.Get(h))
		}
	}
	if len(ours.body) == 0 && len(theirs.body) == 0 {
		return
	}
	compareWire(t, ours.body, theirs.body, extra)
}

func roundTrip(t *testing.T, from, to any) {
	t.Helper()
	if err := json.Unmarshal(mustMarshal(t, from), to); err != nil {
		t.Fatal(err)
	}
}
