package state

import (
	"bytes"
	"errors"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// regWeb is a registration of one "web" instance with a service check.
func regWeb(node, id string, tags ...string) *Registration {
	return &Registration{
		Node:    Node{Node: node, Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}},
		Service: &Service{ID: id, Name: "web", Tags: tags, Port: 8080},
		Checks: []*HealthCheck{{CheckID: "check-" + id, Name: "web alive", Status: HealthPassing,
			ServiceID: id, Type: "http", Definition: CheckDefinition{HTTP: "http://x", Interval: time.Second}}},
	}
}

// regService is a registration of one instance of the named service.
func regService(node, name string) *Registration {
	return &Registration{
		Node:    Node{Node: node, Address: "10.0.0.2"},
		Service: &Service{ID: name, Name: name, Port: 1},
	}
}

// restoredCopy is a new store restored from a snapshot of s.
func restoredCopy(t testing.TB, s *Store) *Store {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Snapshot().Persist(&buf); err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if err := dst.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	return dst
}

func mustRegister(t testing.TB, s *Store, idx uint64, reg *Registration) {
	t.Helper()
	if err := s.EnsureRegistration(idx, reg); err != nil {
		t.Fatalf("EnsureRegistration(%d): %v", idx, err)
	}
}

func mustIndex(t testing.TB, s *Store, key string) uint64 {
	t.Helper()
	return indexTxn(s.db.Load().Txn(false), nil, key)
}

// fired reports whether any channel of ws is closed, without blocking.
func fired(ws memdb.WatchSet) bool {
	for ch := range ws {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}
