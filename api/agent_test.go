package api

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestAgentReads(t *testing.T) {
	meta := map[string]string{"X-Consul-Index": "7", "X-Consul-KnownLeader": "true", "X-Consul-LastContact": "0"}
	runCases(t, []apiCase{
		{
			name:   "self",
			reply:  reply{body: `{"Config":{"Datacenter":"dc1","NodeName":"n1"},"Member":{"Name":"n1"}}`},
			call:   func(c *Client) (any, error) { return c.Agent().Self() },
			method: "GET", path: "/v1/agent/self",
			want: AgentSelf{"Config": {"Datacenter": "dc1", "NodeName": "n1"}, "Member": {"Name": "n1"}},
		},
		{
			name:   "node name",
			reply:  reply{body: `{"Config":{"NodeName":"web-1"}}`},
			call:   func(c *Client) (any, error) { return c.Agent().NodeName() },
			method: "GET", path: "/v1/agent/self",
			want: "web-1",
		},
		{
			name:   "members lan",
			reply:  reply{body: `[{"Name":"n1","Addr":"10.0.0.1","Port":8301,"Tags":{"role":"consul"},"Status":1,"ProtocolMin":1,"ProtocolMax":5,"ProtocolCur":2,"DelegateMin":2,"DelegateMax":5,"DelegateCur":4}]`},
			call:   func(c *Client) (any, error) { return c.Agent().Members(false) },
			method: "GET", path: "/v1/agent/members",
			want: []*AgentMember{{Name: "n1", Addr: "10.0.0.1", Port: 8301, Tags: map[string]string{"role": "consul"}, Status: 1,
				ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4}},
		},
		{
			name:  "members wan with segment and filter",
			reply: reply{body: `[]`},
			call: func(c *Client) (any, error) {
				return c.Agent().MembersOpts(MembersOpts{WAN: true, Segment: AllSegments, Filter: `Name == "a"`})
			},
			method: "GET", path: "/v1/agent/members", query: q("wan", "1", "segment", "_all", "filter", `Name == "a"`),
			want: []*AgentMember{},
		},
		{
			name:   "services with filter",
			reply:  reply{body: `{"web":{"ID":"web","Service":"web","Tags":["a"],"Meta":{},"Port":80,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"Datacenter":"dc1"}}`},
			call:   func(c *Client) (any, error) { return c.Agent().ServicesWithFilter("Port == 80") },
			method: "GET", path: "/v1/agent/services", query: q("filter", "Port == 80"),
			want: map[string]*AgentService{"web": {ID: "web", Service: "web", Tags: []string{"a"}, Meta: map[string]string{},
				Port: 80, Weights: AgentWeights{Passing: 1, Warning: 1}, Datacenter: "dc1"}},
		},
		{
			name:  "service by id with hash",
			reply: reply{header: meta, body: `{"ID":"web","Service":"web","ContentHash":"abc"}`},
			call: func(c *Client) (any, error) {
				s, qm, err := c.Agent().Service("web", &QueryOptions{WaitHash: "old", WaitTime: 2 * time.Second})
				if err != nil {
					return nil, err
				}
				return []any{s, qm.LastIndex}, nil
			},
			method: "GET", path: "/v1/agent/service/web", query: q("hash", "old", "wait", "2000ms"),
			want: []any{&AgentService{ID: "web", Service: "web", ContentHash: "abc"}, uint64(7)},
		},
		{
			name:  "unknown service is an error with the body",
			reply: reply{status: 404, body: "unknown service ID: nope\n"},
			call: func(c *Client) (any, error) {
				s, _, err := c.Agent().Service("nope", nil)
				return s, err
			},
			method: "GET", path: "/v1/agent/service/nope",
			wantErr: "Unexpected response code: 404 (unknown service ID: nope)",
		},
		{
			name:   "checks",
			reply:  reply{body: `{"c1":{"Node":"n1","CheckID":"c1","Name":"c","Status":"passing","ServiceTags":[],"Interval":"10s","Definition":{"HTTP":"http://x","Interval":"10s","Timeout":"1s","DeregisterCriticalServiceAfter":"0s"}}}`},
			call:   func(c *Client) (any, error) { return c.Agent().Checks() },
			method: "GET", path: "/v1/agent/checks",
			want: map[string]*AgentCheck{"c1": {Node: "n1", CheckID: "c1", Name: "c", Status: "passing", ServiceTags: []string{}, Interval: "10s",
				Definition: HealthCheckDefinition{HTTP: "http://x", IntervalDuration: 10 * time.Second, Interval: ReadableDuration(10 * time.Second),
					TimeoutDuration: time.Second, Timeout: ReadableDuration(time.Second)}}},
		},
		{
			name:  "checks with filter and options",
			reply: reply{body: `{}`},
			call: func(c *Client) (any, error) {
				return c.Agent().ChecksWithFilterOpts("Status == critical", &QueryOptions{Token: "t1"})
			},
			method: "GET", path: "/v1/agent/checks", query: q("filter", "Status == critical"), token: "t1",
			want: map[string]*AgentCheck{},
		},
	})
}

func TestAgentWrites(t *testing.T) {
	done := func(err error) (any, error) { return nil, err }
	runCases(t, []apiCase{
		{
			name: "service register",
			call: func(c *Client) (any, error) {
				return done(c.Agent().ServiceRegister(&AgentServiceRegistration{
					ID: "web1", Name: "web", Tags: []string{"v1"}, Port: 8080,
					Check: &AgentServiceCheck{HTTP: "http://127.0.0.1:8080/health", Interval: "10s"},
				}))
			},
			method: "PUT", path: "/v1/agent/service/register",
			body: `{"ID":"web1","Name":"web","Tags":["v1"],"Port":8080,"Check":{"HTTP":"http://127.0.0.1:8080/health","Interval":"10s"},"Checks":null}`,
		},
		{
			name: "service register replacing checks with token",
			call: func(c *Client) (any, error) {
				return done(c.Agent().ServiceRegisterOpts(&AgentServiceRegistration{Name: "db"},
					ServiceRegisterOpts{ReplaceExistingChecks: true, Token: "secret"}))
			},
			method: "PUT", path: "/v1/agent/service/register", query: q("replace-existing-checks", "true"), token: "secret",
			body: `{"Name":"db","Check":null,"Checks":null}`,
		},
		{
			name:   "service deregister",
			call:   func(c *Client) (any, error) { return done(c.Agent().ServiceDeregister("web1")) },
			method: "PUT", path: "/v1/agent/service/deregister/web1",
		},
		{
			name: "check register",
			call: func(c *Client) (any, error) {
				return done(c.Agent().CheckRegister(&AgentCheckRegistration{ID: "mem", Name: "Memory", ServiceID: "web1",
					AgentServiceCheck: AgentServiceCheck{TTL: "15s", Status: "passing"}}))
			},
			method: "PUT", path: "/v1/agent/check/register",
			body: `{"ID":"mem","Name":"Memory","ServiceID":"web1","TTL":"15s","Status":"passing"}`,
		},
		{
			name:   "check deregister",
			call:   func(c *Client) (any, error) { return done(c.Agent().CheckDeregister("mem")) },
			method: "PUT", path: "/v1/agent/check/deregister/mem",
		},
		{
			name:   "pass ttl",
			call:   func(c *Client) (any, error) { return done(c.Agent().PassTTL("mem", "ok")) },
			method: "PUT", path: "/v1/agent/check/pass/mem", query: q("note", "ok"),
		},
		{
			name:   "warn ttl",
			call:   func(c *Client) (any, error) { return done(c.Agent().WarnTTL("mem", "")) },
			method: "PUT", path: "/v1/agent/check/warn/mem", query: q("note", ""),
		},
		{
			name:   "fail ttl unknown check",
			reply:  reply{status: 404, body: `Unknown check ID "mem"`},
			call:   func(c *Client) (any, error) { return done(c.Agent().FailTTL("mem", "boom")) },
			method: "PUT", path: "/v1/agent/check/fail/mem", query: q("note", "boom"),
			wantErr: `Unexpected response code: 404 (Unknown check ID "mem")`,
		},
		{
			name:   "update ttl short status",
			call:   func(c *Client) (any, error) { return done(c.Agent().UpdateTTL("mem", "out", "warn")) },
			method: "PUT", path: "/v1/agent/check/update/mem",
			body: `{"Status":"warning","Output":"out"}`,
		},
		{
			name:    "update ttl bad status",
			call:    func(c *Client) (any, error) { return done(c.Agent().UpdateTTL("mem", "out", "sleepy")) },
			wantErr: "invalid status", noCall: true,
		},
		{
			name:   "enable service maintenance",
			call:   func(c *Client) (any, error) { return done(c.Agent().EnableServiceMaintenance("web1", "deploy")) },
			method: "PUT", path: "/v1/agent/service/maintenance/web1", query: q("enable", "true", "reason", "deploy"),
		},
		{
			name:   "disable service maintenance",
			call:   func(c *Client) (any, error) { return done(c.Agent().DisableServiceMaintenance("web1")) },
			method: "PUT", path: "/v1/agent/service/maintenance/web1", query: q("enable", "false"),
		},
		{
			name:   "enable node maintenance",
			call:   func(c *Client) (any, error) { return done(c.Agent().EnableNodeMaintenance("")) },
			method: "PUT", path: "/v1/agent/maintenance", query: q("enable", "true", "reason", ""),
		},
		{
			name:   "disable node maintenance",
			call:   func(c *Client) (any, error) { return done(c.Agent().DisableNodeMaintenance()) },
			method: "PUT", path: "/v1/agent/maintenance", query: q("enable", "false"),
		},
		{
			name:   "reload",
			call:   func(c *Client) (any, error) { return done(c.Agent().Reload()) },
			method: "PUT", path: "/v1/agent/reload",
		},
		{
			name:   "reload fails",
			reply:  reply{status: 500, body: "Failed reloading config: bad file"},
			call:   func(c *Client) (any, error) { return done(c.Agent().Reload()) },
			method: "PUT", path: "/v1/agent/reload",
			wantErr: "Unexpected response code: 500 (Failed reloading config: bad file)",
		},
	})
}

func TestAgentLocalHealth(t *testing.T) {
	body := `{"AggregatedStatus":"%s","Service":{"ID":"web1","Service":"web"},"Checks":[]}`
	tests := []struct {
		code       int
		wantStatus string
		wantInfo   bool
	}{
		{http.StatusOK, HealthPassing, true},
		{http.StatusTooManyRequests, HealthWarning, true},
		{http.StatusServiceUnavailable, HealthCritical, true},
		{http.StatusNotFound, HealthCritical, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			f := newFakeAgent(t, reply{status: tt.code, body: sprintf(body, tt.wantStatus)})
			c := newTestClient(t, &Config{Address: f.srv.URL})
			status, info, err := c.Agent().AgentHealthServiceByID("web1")
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus || (info != nil) != tt.wantInfo {
				t.Fatalf("got %q info=%v, want %q info=%v", status, info != nil, tt.wantStatus, tt.wantInfo)
			}
			r := f.request()
			if r.path != "/v1/agent/health/service/id/web1" || r.query.Get("format") != "json" {
				t.Fatalf("request %s?%s", r.path, r.query.Encode())
			}
		})
	}
}

func TestAgentContextCancel(t *testing.T) {
	f := newFakeAgent(t, reply{body: `{}`})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Agent().ServicesWithFilterOpts("", (&QueryOptions{}).WithContext(ctx))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	err = c.Agent().ServiceRegisterOpts(&AgentServiceRegistration{Name: "x"}, ServiceRegisterOpts{}.WithContext(ctx))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("register err = %v, want context.Canceled", err)
	}
}
