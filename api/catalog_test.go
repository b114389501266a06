package api

import (
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	hdr := map[string]string{"X-Consul-Index": "42", "X-Consul-KnownLeader": "true", "X-Consul-LastContact": "3"}
	withMeta := func(v any, qm *QueryMeta, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return []any{v, qm.LastIndex, qm.KnownLeader, qm.LastContact}, nil
	}
	node := `{"ID":"1b662d97-8b5c-3cc2-0ac0-96f55ad423b5","Node":"n1","Address":"10.0.0.1","Datacenter":"dc1",` +
		`"TaggedAddresses":{"lan":"10.0.0.1"},"Meta":{"rack":"a"},"CreateIndex":5,"ModifyIndex":6}`
	wantNode := &Node{ID: "1b662d97-8b5c-3cc2-0ac0-96f55ad423b5", Node: "n1", Address: "10.0.0.1", Datacenter: "dc1",
		TaggedAddresses: map[string]string{"lan": "10.0.0.1"}, Meta: map[string]string{"rack": "a"}, CreateIndex: 5, ModifyIndex: 6}
	svc := `{"ID":"","Node":"n1","Address":"10.0.0.1","Datacenter":"dc1","TaggedAddresses":{},"NodeMeta":{},` +
		`"ServiceKind":"","ServiceID":"web1","ServiceName":"web","ServiceAddress":"","ServiceTags":["v1"],"ServiceMeta":{},` +
		`"ServicePort":80,"ServiceWeights":{"Passing":1,"Warning":1},"ServiceEnableTagOverride":false,"ServiceProxy":{"MeshGateway":{},"Expose":{}},` +
		`"ServiceConnect":{},"CreateIndex":9,"ModifyIndex":9}`
	wantSvc := &CatalogService{Node: "n1", Address: "10.0.0.1", Datacenter: "dc1", TaggedAddresses: map[string]string{},
		NodeMeta: map[string]string{}, ServiceID: "web1", ServiceName: "web", ServiceTags: []string{"v1"},
		ServiceMeta: map[string]string{}, ServicePort: 80, ServiceWeights: Weights{Passing: 1, Warning: 1},
		ServiceProxy: &AgentServiceConnectProxyConfig{}, CreateIndex: 9, ModifyIndex: 9}

	runCases(t, []apiCase{
		{
			name:   "datacenters",
			reply:  reply{body: `["dc1","dc2"]`},
			call:   func(c *Client) (any, error) { return c.Catalog().Datacenters() },
			method: "GET", path: "/v1/catalog/datacenters",
			want: []string{"dc1", "dc2"},
		},
		{
			name:  "nodes with options",
			reply: reply{header: hdr, body: "[" + node + "]"},
			call: func(c *Client) (any, error) {
				return withMeta(c.Catalog().Nodes(&QueryOptions{AllowStale: true, Near: "_agent", Filter: `Meta.rack == "a"`,
					NodeMeta: map[string]string{"rack": "a", "env": "prod"}, WaitIndex: 41, Datacenter: "dc2"}))
			},
			method: "GET", path: "/v1/catalog/nodes",
			query: q("stale", "", "near", "_agent", "filter", `Meta.rack == "a"`, "node-meta", "env:prod", "node-meta", "rack:a",
				"index", "41", "dc", "dc2"),
			want: []any{[]*Node{wantNode}, uint64(42), true, 3 * time.Millisecond},
		},
		{
			name:  "services",
			reply: reply{header: hdr, body: `{"consul":[],"web":["v1","v2"]}`},
			call: func(c *Client) (any, error) {
				return withMeta(c.Catalog().Services(&QueryOptions{RequireConsistent: true}))
			},
			method: "GET", path: "/v1/catalog/services", query: q("consistent", ""),
			want: []any{map[string][]string{"consul": {}, "web": {"v1", "v2"}}, uint64(42), true, 3 * time.Millisecond},
		},
		{
			name:   "service with tag",
			reply:  reply{header: hdr, body: "[" + svc + "]"},
			call:   func(c *Client) (any, error) { return withMeta(c.Catalog().Service("web", "v1", nil)) },
			method: "GET", path: "/v1/catalog/service/web", query: q("tag", "v1"),
			want: []any{[]*CatalogService{wantSvc}, uint64(42), true, 3 * time.Millisecond},
		},
		{
			name:  "service multiple tags",
			reply: reply{body: `[]`},
			call: func(c *Client) (any, error) {
				return withMeta(c.Catalog().ServiceMultipleTags("web", []string{"a", "b"}, nil))
			},
			method: "GET", path: "/v1/catalog/service/web", query: q("tag", "a", "tag", "b"),
			want: []any{[]*CatalogService{}, uint64(0), false, time.Duration(0)},
		},
		{
			name:  "connect",
			reply: reply{body: `[]`},
			call: func(c *Client) (any, error) {
				return withMeta(c.Catalog().Connect("web", "", &QueryOptions{UseCache: true, MaxAge: time.Minute}))
			},
			method: "GET", path: "/v1/catalog/connect/web", query: q("cached", ""),
			want: []any{[]*CatalogService{}, uint64(0), false, time.Duration(0)},
		},
		{
			name:   "node",
			reply:  reply{body: `{"Node":` + node + `,"Services":{"web1":{"ID":"web1","Service":"web","Tags":[],"Meta":{},"Port":80,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false}}}`},
			call:   func(c *Client) (any, error) { return withMeta(c.Catalog().Node("n1", nil)) },
			method: "GET", path: "/v1/catalog/node/n1",
			want: []any{&CatalogNode{Node: wantNode, Services: map[string]*AgentService{"web1": {ID: "web1", Service: "web",
				Tags: []string{}, Meta: map[string]string{}, Port: 80, Weights: AgentWeights{Passing: 1, Warning: 1}}}},
				uint64(0), false, time.Duration(0)},
		},
		{
			name:   "unknown node is nil",
			reply:  reply{body: `null`},
			call:   func(c *Client) (any, error) { n, _, err := c.Catalog().Node("ghost", nil); return n == nil, err },
			method: "GET", path: "/v1/catalog/node/ghost",
			want: true,
		},
		{
			name:  "node service list",
			reply: reply{body: `{"Node":` + node + `,"Services":[]}`},
			call: func(c *Client) (any, error) {
				return withMeta(c.Catalog().NodeServiceList("n1", &QueryOptions{Filter: "Port > 1"}))
			},
			method: "GET", path: "/v1/catalog/node-services/n1", query: q("filter", "Port > 1"),
			want: []any{&CatalogNodeServiceList{Node: wantNode, Services: []*AgentService{}}, uint64(0), false, time.Duration(0)},
		},
		{
			name: "register",
			call: func(c *Client) (any, error) {
				_, err := c.Catalog().Register(&CatalogRegistration{Node: "ext", Address: "10.1.1.1",
					Service: &AgentService{ID: "db", Service: "db", Port: 5432},
					Check:   &AgentCheck{CheckID: "db-alive", Name: "alive", Status: HealthPassing, ServiceID: "db"}},
					&WriteOptions{Datacenter: "dc2", Token: "w"})
				return nil, err
			},
			method: "PUT", path: "/v1/catalog/register", query: q("dc", "dc2"), token: "w",
			body: `{"ID":"","Node":"ext","Address":"10.1.1.1","TaggedAddresses":null,"NodeMeta":null,"Datacenter":"",` +
				`"Service":{"ID":"db","Service":"db","Tags":null,"Meta":null,"Port":5432,"Address":"","Weights":{"Passing":0,"Warning":0},"EnableTagOverride":false},` +
				`"Check":{"Node":"","CheckID":"db-alive","Name":"alive","Status":"passing","Notes":"","Output":"","ServiceID":"db","ServiceName":"",` +
				`"ServiceTags":null,"Type":"","Interval":"","Timeout":"","ExposedPort":0,"Definition":{"Interval":"0s","Timeout":"0s",` +
				`"DeregisterCriticalServiceAfter":"0s","HTTP":"","Header":null,"Method":"","Body":"","TLSServerName":"","TLSSkipVerify":false,` +
				`"TCP":"","TCPUseTLS":false,"UDP":"","GRPC":"","OSService":"","GRPCUseTLS":false}},"Checks":null,"SkipNodeUpdate":false}`,
		},
		{
			name: "deregister",
			call: func(c *Client) (any, error) {
				_, err := c.Catalog().Deregister(&CatalogDeregistration{Node: "ext", ServiceID: "db"}, nil)
				return nil, err
			},
			method: "PUT", path: "/v1/catalog/deregister",
			body: `{"Node":"ext","Datacenter":"","ServiceID":"db","CheckID":""}`,
		},
		{
			name:   "bad index header",
			reply:  reply{header: map[string]string{"X-Consul-Index": "x"}, body: `[]`},
			call:   func(c *Client) (any, error) { return withMeta(c.Catalog().Nodes(nil)) },
			method: "GET", path: "/v1/catalog/nodes",
			wantErr: "parse X-Consul-Index",
		},
	})
}
