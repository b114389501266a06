package state

import "testing"

func TestDeletes(t *testing.T) {
	tests := []struct {
		name     string
		del      func(s *Store) error
		services int // "web" instances left
		checks   int // checks left (any state)
		nodes    int
		moved    []string // index keys that must be 3 afterwards
	}{
		{"node cascades", func(s *Store) error { return s.DeleteNode(3, "n1") }, 1, 1, 1,
			[]string{tableNodes, tableServices, tableChecks, "service.web"}},
		{"service and its checks", func(s *Store) error { return s.DeleteService(3, "n1", "web-1") }, 1, 2, 2,
			[]string{tableServices, tableChecks, "service.web"}},
		{"service check", func(s *Store) error { return s.DeleteCheck(3, "n1", "check-web-1") }, 2, 2, 2,
			[]string{tableChecks, "service.web"}},
		{"node check", func(s *Store) error { return s.DeleteCheck(3, "n1", "serfHealth") }, 2, 2, 2,
			[]string{tableChecks, "service.web"}},
		{"deregister node", func(s *Store) error { return s.Deregister(3, &Deregistration{Node: "N1"}) }, 1, 1, 1,
			[]string{tableNodes, "service.web"}},
		{"deregister service", func(s *Store) error {
			return s.Deregister(3, &Deregistration{Node: "n1", ServiceID: "web-1"})
		}, 1, 2, 2, []string{tableServices}},
		{"deregister check", func(s *Store) error {
			return s.Deregister(3, &Deregistration{Node: "n1", CheckID: "serfHealth"})
		}, 2, 2, 2, []string{tableChecks}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			r1 := regWeb("n1", "web-1")
			r1.Checks = append(r1.Checks, &HealthCheck{CheckID: "serfHealth", Status: HealthPassing})
			mustRegister(t, s, 1, r1)
			mustRegister(t, s, 2, regWeb("n2", "web-2"))
			if err := tt.del(s); err != nil {
				t.Fatalf("delete: %v", err)
			}
			_, csns, _ := s.CheckServiceNodes(nil, "web", false)
			_, checks, _ := s.ChecksInState(nil, HealthAny)
			_, nodes, _ := s.Nodes(nil)
			if len(csns) != tt.services || len(checks) != tt.checks || len(nodes) != tt.nodes {
				t.Errorf("left %d instances, %d checks, %d nodes; want %d, %d, %d",
					len(csns), len(checks), len(nodes), tt.services, tt.checks, tt.nodes)
			}
			for _, key := range tt.moved {
				if got := mustIndex(t, s, key); got != 3 {
					t.Errorf("index %q = %d, want 3", key, got)
				}
			}
		})
	}
}

func TestDeleteAbsentChangesNothing(t *testing.T) {
	dels := map[string]func(s *Store) error{
		"node":         func(s *Store) error { return s.DeleteNode(9, "nope") },
		"service":      func(s *Store) error { return s.DeleteService(9, "n1", "nope") },
		"service of ?": func(s *Store) error { return s.DeleteService(9, "nope", "web-1") },
		"check":        func(s *Store) error { return s.DeleteCheck(9, "n1", "nope") },
		"deregister":   func(s *Store) error { return s.Deregister(9, &Deregistration{Node: "nope"}) },
		"deregister id": func(s *Store) error {
			return s.Deregister(9, &Deregistration{Node: "n1", ServiceID: "x", CheckID: "y"})
		},
	}
	for name, del := range dels {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			mustRegister(t, s, 1, regWeb("n1", "web-1"))
			ws := newWatchSet(t, s)
			if err := del(s); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if fired(ws) || s.LastIndex() != 1 {
				t.Errorf("deleting something absent moved an index or fired a watch")
			}
		})
	}
}

func TestDeleteNeedsNode(t *testing.T) {
	s := newStore(t)
	wantErr(t, s.DeleteNode(1, ""), ErrMissingNode)
	wantErr(t, s.DeleteService(1, "", "x"), ErrMissingNode)
	wantErr(t, s.DeleteCheck(1, "", "x"), ErrMissingNode)
}
