package api

import (
	"testing"
)

func TestHealth(t *testing.T) {
	check := `{"Node":"n1","CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing","Notes":"","Output":"Agent alive",` +
		`"ServiceID":"","ServiceName":"","ServiceTags":[],"Type":"","Interval":"","Timeout":"","ExposedPort":0,` +
		`"Definition":{"Interval":"0s","Timeout":"0s","DeregisterCriticalServiceAfter":"0s","HTTP":"","Header":null,"Method":"","Body":"",` +
		`"TLSServerName":"","TLSSkipVerify":false,"TCP":"","TCPUseTLS":false,"UDP":"","GRPC":"","OSService":"","GRPCUseTLS":false},` +
		`"CreateIndex":3,"ModifyIndex":4}`
	wantCheck := &HealthCheck{Node: "n1", CheckID: "serfHealth", Name: "Serf Health Status", Status: HealthPassing,
		Output: "Agent alive", ServiceTags: []string{}, CreateIndex: 3, ModifyIndex: 4}
	entry := `{"Node":{"Node":"n1","Address":"10.0.0.1"},"Service":{"ID":"web1","Service":"web","Port":80},"Checks":[` + check + `]}`
	wantEntry := &ServiceEntry{Node: &Node{Node: "n1", Address: "10.0.0.1"}, Service: &AgentService{ID: "web1", Service: "web", Port: 80},
		Checks: HealthChecks{wantCheck}}
	list := func(v any, _ *QueryMeta, err error) (any, error) { return v, err }

	runCases(t, []apiCase{
		{
			name:   "node",
			reply:  reply{body: "[" + check + "]"},
			call:   func(c *Client) (any, error) { return list(c.Health().Node("n1", nil)) },
			method: "GET", path: "/v1/health/node/n1",
			want: HealthChecks{wantCheck},
		},
		{
			name:   "checks of a service",
			reply:  reply{body: `[]`},
			call:   func(c *Client) (any, error) { return list(c.Health().Checks("web", &QueryOptions{Near: "n2"})) },
			method: "GET", path: "/v1/health/checks/web", query: q("near", "n2"),
			want: HealthChecks{},
		},
		{
			name:   "service passing with tag",
			reply:  reply{body: "[" + entry + "]"},
			call:   func(c *Client) (any, error) { return list(c.Health().Service("web", "v1", true, nil)) },
			method: "GET", path: "/v1/health/service/web", query: q("tag", "v1", "passing", "1"),
			want: []*ServiceEntry{wantEntry},
		},
		{
			name:  "service multiple tags",
			reply: reply{body: `[]`},
			call: func(c *Client) (any, error) {
				return list(c.Health().ServiceMultipleTags("web", []string{"a", "b"}, false, nil))
			},
			method: "GET", path: "/v1/health/service/web", query: q("tag", "a", "tag", "b"),
			want: []*ServiceEntry{},
		},
		{
			name:   "connect",
			reply:  reply{body: `[]`},
			call:   func(c *Client) (any, error) { return list(c.Health().Connect("web", "", true, nil)) },
			method: "GET", path: "/v1/health/connect/web", query: q("passing", "1"),
			want: []*ServiceEntry{},
		},
		{
			name:   "state critical",
			reply:  reply{body: `[]`},
			call:   func(c *Client) (any, error) { return list(c.Health().State(HealthCritical, nil)) },
			method: "GET", path: "/v1/health/state/critical",
			want: HealthChecks{},
		},
		{
			name:    "state invalid",
			call:    func(c *Client) (any, error) { return list(c.Health().State("maintenance", nil)) },
			wantErr: "invalid status", noCall: true,
		},
	})
}

func TestAggregatedStatus(t *testing.T) {
	hc := func(id, status string) *HealthCheck { return &HealthCheck{CheckID: id, Status: status} }
	tests := []struct {
		name   string
		checks HealthChecks
		want   string
	}{
		{"none", nil, HealthPassing},
		{"all passing", HealthChecks{hc("a", HealthPassing), hc("b", HealthPassing)}, HealthPassing},
		{"warning wins over passing", HealthChecks{hc("a", HealthPassing), hc("b", HealthWarning)}, HealthWarning},
		{"critical wins over warning", HealthChecks{hc("a", HealthCritical), hc("b", HealthWarning)}, HealthCritical},
		{"node maintenance wins", HealthChecks{hc("a", HealthCritical), hc(NodeMaint, HealthCritical)}, HealthMaint},
		{"service maintenance wins", HealthChecks{hc(ServiceMaintPrefix+"web", HealthCritical)}, HealthMaint},
		{"unknown status", HealthChecks{hc("a", "sleepy")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.checks.AggregatedStatus(); got != tt.want {
				t.Fatalf("AggregatedStatus() = %q, want %q", got, tt.want)
			}
		})
	}
}
