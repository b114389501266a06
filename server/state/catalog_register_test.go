package state

import (
	"slices"
	"strings"
	"testing"
)

func TestEnsureRegistrationStoresEverything(t *testing.T) {
	s := newStore(t)
	reg := regWeb("n1", "web-1", "v1")
	reg.Checks = append(reg.Checks, &HealthCheck{CheckID: "serfHealth", Name: "Serf"})
	mustRegister(t, s, 5, reg)

	idx, csns, err := s.CheckServiceNodes(nil, "web", false)
	if err != nil || idx != 5 || len(csns) != 1 {
		t.Fatalf("CheckServiceNodes = %d, %d results, %v; want 5, 1", idx, len(csns), err)
	}
	got := csns[0]
	if got.Node.Node != "n1" || got.Node.CreateIndex != 5 || got.Service.Node != "n1" || got.Service.ID != "web-1" {
		t.Errorf("instance = %+v / %+v", got.Node, got.Service)
	}
	if len(got.Checks) != 2 || got.Checks[0].CheckID != "serfHealth" || got.Checks[1].CheckID != "check-web-1" {
		t.Fatalf("checks = %v, want node check then service check", checkIDs(got.Checks))
	}
	node, svc := got.Checks[0], got.Checks[1]
	if node.Status != HealthCritical || node.ServiceName != "" || node.Node != "n1" {
		t.Errorf("node check = %+v, want critical default, no service", node)
	}
	if svc.ServiceName != "web" || !slices.Equal(svc.ServiceTags, []string{"v1"}) || svc.ModifyIndex != 5 {
		t.Errorf("service check = %+v, want service name/tags filled", svc)
	}
	for _, key := range []string{tableNodes, tableServices, tableChecks, "service.web"} {
		if got := mustIndex(t, s, key); got != 5 {
			t.Errorf("index %q = %d, want 5", key, got)
		}
	}
}

func TestEnsureRegistrationRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *Registration)
		want error
	}{
		{"no node", func(r *Registration) { r.Node.Node = "" }, ErrMissingNode},
		{"no service name", func(r *Registration) { r.Service.Name = "" }, ErrMissingService},
		{"no check ID", func(r *Registration) { r.Checks[0].CheckID = "" }, ErrMissingCheckID},
		{"nil check", func(r *Registration) { r.Checks = append(r.Checks, nil) }, ErrMissingCheckID},
		{"check of unknown service", func(r *Registration) { r.Checks[0].ServiceID = "nope" }, ErrUnknownService},
		{"check on other node", func(r *Registration) { r.Checks[0].Node = "n2" }, ErrNodeMismatch},
		{"service on other node", func(r *Registration) { r.Service.Node = "n2" }, ErrNodeMismatch},
		{"NUL in node", func(r *Registration) { r.Node.Node = "a\x00b" }, ErrInvalidName},
		{"NUL in service ID", func(r *Registration) { r.Service.ID = "a\x00"; r.Checks = nil }, ErrInvalidName},
		{"NUL in check ID", func(r *Registration) { r.Checks[0].CheckID = "\x00" }, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustRegister(t, s, 1, regService("other", "db"))
			reg := regWeb("n1", "web-1")
			tt.edit(reg)
			wantErr(t, s.EnsureRegistration(2, reg), tt.want)
			idx, nodes, _ := s.Nodes(nil)
			if idx != 1 || len(nodes) != 1 {
				t.Errorf("after failed write: nodes index %d, %d nodes; want 1, 1", idx, len(nodes))
			}
			if got := s.LastIndex(); got != 1 {
				t.Errorf("LastIndex = %d, want 1", got)
			}
		})
	}
}

func TestEnsureRegistrationNoOpKeepsIndexes(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 10, regWeb("n1", "web-1", "a", "b"))
	ws := newWatchSet(t, s)

	// Anti-entropy sends the same data again, in fresh objects.
	mustRegister(t, s, 11, regWeb("n1", "web-1", "a", "b"))

	if fired(ws) {
		t.Error("identical re-registration fired a watch")
	}
	_, csns, _ := s.CheckServiceNodes(nil, "web", false)
	c := csns[0]
	if c.Node.ModifyIndex != 10 || c.Service.ModifyIndex != 10 || c.Checks[0].ModifyIndex != 10 {
		t.Errorf("ModifyIndex node/service/check = %d/%d/%d, want 10", c.Node.ModifyIndex,
			c.Service.ModifyIndex, c.Checks[0].ModifyIndex)
	}
	for _, key := range []string{tableNodes, tableServices, tableChecks, "service.web"} {
		if got := mustIndex(t, s, key); got != 10 {
			t.Errorf("index %q = %d, want 10", key, got)
		}
	}
}

// newWatchSet returns a watch set over every read of the store.
func newWatchSet(t *testing.T, s *Store) map[<-chan struct{}]struct{} {
	t.Helper()
	ws := make(map[<-chan struct{}]struct{})
	s.Nodes(ws)
	s.Services(ws, nil)
	s.CheckServiceNodes(ws, "web", false)
	s.ChecksInState(ws, HealthAny)
	s.NodeServices(ws, "n1")
	return ws
}

func TestEnsureRegistrationUpdates(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(r *Registration)
		node, svc  uint64 // expected ModifyIndex after the update
		check      uint64
		checkTags  []string
		checkState string
	}{
		{"node address", func(r *Registration) { r.Node.Address = "10.9.9.9" }, 2, 1, 1, nil, HealthPassing},
		{"service port", func(r *Registration) { r.Service.Port = 9 }, 1, 2, 1, nil, HealthPassing},
		{"service tags reach checks", func(r *Registration) { r.Service.Tags = []string{"new"} }, 1, 2, 2, []string{"new"}, HealthPassing},
		{"check status", func(r *Registration) { r.Checks[0].Status = HealthWarning }, 1, 1, 2, nil, HealthWarning},
		{"skip node update", func(r *Registration) { r.Node.Address = "x"; r.SkipNodeUpdate = true }, 1, 1, 1, nil, HealthPassing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustRegister(t, s, 1, regWeb("n1", "web-1"))
			reg := regWeb("n1", "web-1")
			tt.edit(reg)
			mustRegister(t, s, 2, reg)
			_, csns, _ := s.CheckServiceNodes(nil, "web", false)
			c := csns[0]
			if c.Node.ModifyIndex != tt.node || c.Service.ModifyIndex != tt.svc || c.Checks[0].ModifyIndex != tt.check {
				t.Errorf("ModifyIndex node/service/check = %d/%d/%d, want %d/%d/%d", c.Node.ModifyIndex,
					c.Service.ModifyIndex, c.Checks[0].ModifyIndex, tt.node, tt.svc, tt.check)
			}
			if c.Node.CreateIndex != 1 || c.Service.CreateIndex != 1 || c.Checks[0].CreateIndex != 1 {
				t.Error("CreateIndex changed on update")
			}
			if !slices.Equal(c.Checks[0].ServiceTags, tt.checkTags) || c.Checks[0].Status != tt.checkState {
				t.Errorf("check tags/status = %v/%s, want %v/%s", c.Checks[0].ServiceTags,
					c.Checks[0].Status, tt.checkTags, tt.checkState)
			}
			want := uint64(1)
			if tt.node == 2 || tt.svc == 2 || tt.check == 2 {
				want = 2
			}
			if got := mustIndex(t, s, "service.web"); got != want {
				t.Errorf("service.web index = %d, want %d", got, want)
			}
		})
	}
}

func TestEnsureRegistrationDoesNotShareCallerStruct(t *testing.T) {
	s := newStore(t)
	reg := regWeb("n1", "web-1")
	mustRegister(t, s, 1, reg)
	reg.Service.Port, reg.Node.Address, reg.Checks[0].Status = 1, "changed", "changed"
	_, csns, _ := s.CheckServiceNodes(nil, "web", false)
	if c := csns[0]; c.Service.Port != 8080 || c.Node.Address != "10.0.0.1" || c.Checks[0].Status != HealthPassing {
		t.Errorf("stored records changed with the caller's: %+v", c)
	}
}

func TestRegistrationNamesAreCaseInsensitive(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("Node-A", "Web-1"))
	if _, n, _ := s.GetNode(nil, "node-a"); n == nil || n.Node != "Node-A" {
		t.Fatalf("GetNode(node-a) = %v", n)
	}
	if _, csns, _ := s.CheckServiceNodes(nil, "WEB", false); len(csns) != 1 {
		t.Errorf("CheckServiceNodes(WEB) = %d results, want 1", len(csns))
	}
	// A check may name its service in another case.
	reg := regWeb("node-a", "web-1")
	reg.Checks[0].ServiceID = "WEB-1"
	mustRegister(t, s, 2, reg)
	_, nodes, _ := s.Nodes(nil)
	if len(nodes) != 1 {
		t.Errorf("nodes = %d, want 1", len(nodes))
	}
}

func TestServiceIDDefaultsToName(t *testing.T) {
	s := newStore(t)
	reg := regWeb("n1", "")
	reg.Checks[0].ServiceID = "web"
	mustRegister(t, s, 1, reg)
	_, _, svcs, _ := s.NodeServices(nil, "n1")
	if len(svcs) != 1 || svcs[0].ID != "web" {
		t.Fatalf("services = %+v, want ID web", svcs)
	}
}

func checkIDs(cs []*HealthCheck) string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.Node+"/"+c.CheckID)
	}
	return strings.Join(ids, ",")
}
