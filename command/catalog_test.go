package command

import (
	"net/url"
	"reflect"
	"testing"
)

const (
	nodesJSON = `[
 {"ID":"1b662d97-8b5c-3cc2-0ac0-96f55ad423b5","Node":"worker-01","Address":"10.4.5.31","Datacenter":"dc1",
  "TaggedAddresses":{"wan":"10.4.5.31","lan":"10.4.5.31"},"Meta":{"rack":"r1","consul-network-segment":""}},
 {"ID":"d407a592-e93c-4d8e-8a6d-aba853d1e067","Node":"worker-02","Address":"10.4.4.158","Datacenter":"dc1",
  "TaggedAddresses":{"lan":"10.4.4.158"},"Meta":{}}
]`
	serviceInstancesJSON = `[
 {"ID":"1b662d97-8b5c-3cc2-0ac0-96f55ad423b5","Node":"worker-01","Address":"10.4.5.31","Datacenter":"dc1","TaggedAddresses":{"lan":"10.4.5.31"},"NodeMeta":{},"ServiceID":"web-1","ServiceName":"web"},
 {"ID":"1b662d97-8b5c-3cc2-0ac0-96f55ad423b5","Node":"worker-01","Address":"10.4.5.31","Datacenter":"dc1","TaggedAddresses":{"lan":"10.4.5.31"},"NodeMeta":{},"ServiceID":"web-2","ServiceName":"web"}
]`
	servicesJSON = `{"consul":[],"redis":["v1","primary"],"postgresql":["leader"]}`
	nodeJSON     = `{"Node":{"Node":"worker-01"},"Services":{
 "redis-1":{"ID":"redis-1","Service":"redis","Tags":["v1"]},
 "redis-2":{"ID":"redis-2","Service":"redis","Tags":["v2","v1"]},
 "web":{"ID":"web","Service":"web","Tags":[]}}}`
)

func TestCatalogCommands(t *testing.T) {
	routes := map[string]route{
		"GET /v1/catalog/datacenters":    {body: `["dc1","dc2"]`},
		"GET /v1/catalog/nodes":          {body: nodesJSON},
		"GET /v1/catalog/service/web":    {body: serviceInstancesJSON},
		"GET /v1/catalog/services":       {body: servicesJSON},
		"GET /v1/catalog/node/worker-01": {body: nodeJSON},
		"GET /v1/catalog/node/ghost":     {body: `null`},
		"GET /v1/catalog/service/none":   {body: `[]`},
	}
	tests := []struct {
		name      string
		args      []string
		wantPath  string
		wantQuery url.Values
		wantErr   string // substring of stderr
		wantCode  int
	}{
		{"datacenters", []string{"catalog", "datacenters"}, "/v1/catalog/datacenters", url.Values{}, "", 0},
		{"nodes", []string{"catalog", "nodes"}, "/v1/catalog/nodes", url.Values{}, "", 0},
		{"nodes detailed", []string{"catalog", "nodes", "-detailed", "-stale", "-near", "_agent", "-node-meta", "rack=r1", "-filter", "Node != x"},
			"/v1/catalog/nodes", url.Values{"stale": {""}, "near": {"_agent"}, "node-meta": {"rack:r1"}, "filter": {"Node != x"}}, "", 0},
		{"nodes for a service", []string{"catalog", "nodes", "-service", "web", "-datacenter", "dc2"},
			"/v1/catalog/service/web", url.Values{"dc": {"dc2"}}, "", 0},
		{"nodes none match", []string{"catalog", "nodes", "-service", "none"}, "/v1/catalog/service/none", url.Values{},
			"No nodes match the given query - try expanding your search.", 0},
		{"services", []string{"catalog", "services"}, "/v1/catalog/services", url.Values{}, "", 0},
		{"services with tags", []string{"catalog", "services", "-tags", "-node-meta", "a=b"}, "/v1/catalog/services",
			url.Values{"node-meta": {"a:b"}}, "", 0},
		{"services of a node", []string{"catalog", "services", "-node", "worker-01", "-tags"}, "/v1/catalog/node/worker-01", url.Values{}, "", 0},
		{"services of unknown node", []string{"catalog", "services", "-node", "ghost"}, "/v1/catalog/node/ghost", url.Values{},
			"No services match the given query - try expanding your search.", 0},
		{"nodes for a missing service", []string{"catalog", "nodes", "-service", "missing"}, "/v1/catalog/service/missing", url.Values{},
			"Error listing nodes: Unexpected response code: 404", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, routes)
			out, errOut, code := run(t, append(tt.args, "-http-addr", f.srv.URL)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			r := f.last(t)
			if r.method != "GET" || r.path != tt.wantPath || !reflect.DeepEqual(r.query, tt.wantQuery) {
				t.Fatalf("request %s %s %v, want GET %s %v", r.method, r.path, r.query, tt.wantPath, tt.wantQuery)
			}
			golden(t, "catalog_"+goldenName(tt.name), out)
		})
	}
}

func TestCatalogTooManyArgs(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, nil)
	for _, sub := range []string{"datacenters", "nodes", "services"} {
		_, errOut, code := run(t, "catalog", sub, "-http-addr", f.srv.URL, "extra")
		if code != 1 {
			t.Fatalf("%s: exit %d", sub, code)
		}
		mustContain(t, "stderr", errOut, "Too many arguments")
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}
