package state

import (
	"bytes"
	"testing"

	memdb "github.com/hashicorp/go-memdb"
)

func TestWatchesFireOnlyForTheirService(t *testing.T) {
	proxyFor := func(dest string) *Registration {
		return &Registration{Node: Node{Node: "n9", Address: "10.0.0.9"},
			Service: &Service{ID: dest + "-proxy", Name: dest + "-proxy", Kind: KindConnectProxy,
				Proxy: Proxy{DestinationServiceName: dest}}}
	}
	tests := []struct {
		name  string
		read  func(s *Store, ws memdb.WatchSet)
		write func(t *testing.T, s *Store)
		fires bool
	}{
		{"other service registers", readWeb, func(t *testing.T, s *Store) { mustRegister(t, s, 10, regService("n7", "api")) }, false},
		{"other service on web's node", readWeb, func(t *testing.T, s *Store) {
			r := regService("n1", "api")
			r.Node.Address, r.SkipNodeUpdate = "", true
			mustRegister(t, s, 10, r)
		}, false},
		{"web registers", readWeb, func(t *testing.T, s *Store) { mustRegister(t, s, 10, regWeb("n5", "web-5")) }, true},
		{"web re-registers unchanged", readWeb, func(t *testing.T, s *Store) { mustRegister(t, s, 10, regWeb("n1", "web-1")) }, false},
		{"web check changes", readWeb, func(t *testing.T, s *Store) {
			r := regWeb("n1", "web-1")
			r.Checks[0].Status = HealthCritical
			mustRegister(t, s, 10, r)
		}, true},
		{"node check on web's node", readWeb, func(t *testing.T, s *Store) {
			mustRegister(t, s, 10, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
				Checks: []*HealthCheck{{CheckID: "maint"}}})
		}, true},
		{"node check elsewhere", readWeb, func(t *testing.T, s *Store) {
			mustRegister(t, s, 10, &Registration{Node: Node{Node: "db-node"}, SkipNodeUpdate: true,
				Checks: []*HealthCheck{{CheckID: "maint"}}})
		}, false},
		{"web's node address", readWeb, func(t *testing.T, s *Store) {
			mustRegister(t, s, 10, &Registration{Node: Node{Node: "n1", Address: "1.1.1.1"}})
		}, true},
		{"db deleted", readWeb, func(t *testing.T, s *Store) { s.DeleteNode(10, "db-node") }, false},
		{"web deleted", readWeb, func(t *testing.T, s *Store) { s.DeleteService(10, "n1", "web-1") }, true},
		{"connect: other proxy", readWebConnect, func(t *testing.T, s *Store) { mustRegister(t, s, 10, proxyFor("db")) }, false},
		{"connect: web proxy", readWebConnect, func(t *testing.T, s *Store) { mustRegister(t, s, 10, proxyFor("web")) }, true},
		{"connect: plain web instance", readWebConnect, func(t *testing.T, s *Store) { mustRegister(t, s, 10, regWeb("n5", "web-5")) }, false},
		{"restore", readWeb, func(t *testing.T, s *Store) {
			var buf bytes.Buffer
			if err := newStore(t).Snapshot().Persist(&buf); err != nil {
				t.Fatal(err)
			}
			if err := s.Restore(&buf); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustRegister(t, s, 1, regWeb("n1", "web-1"))
			mustRegister(t, s, 2, regService("db-node", "db"))
			ws := memdb.NewWatchSet()
			tt.read(s, ws)
			tt.write(t, s)
			if got := fired(ws); got != tt.fires {
				t.Errorf("watch fired = %v, want %v", got, tt.fires)
			}
		})
	}
}

func readWeb(s *Store, ws memdb.WatchSet)        { s.CheckServiceNodes(ws, "web", false) }
func readWebConnect(s *Store, ws memdb.WatchSet) { s.CheckServiceNodes(ws, "web", true) }

func TestServiceIndexMovesOnlyForItsService(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	mustRegister(t, s, 2, regService("n2", "db"))
	mustRegister(t, s, 3, regService("n3", "cache"))
	if idx, _, _ := s.CheckServiceNodes(nil, "web", false); idx != 1 {
		t.Errorf("web index = %d, want 1", idx)
	}
	s.DeleteService(4, "n1", "web-1")
	idx, csns, _ := s.CheckServiceNodes(nil, "web", false)
	if idx != 4 || len(csns) != 0 {
		t.Errorf("after delete: web index = %d with %d instances, want 4, 0", idx, len(csns))
	}
}
