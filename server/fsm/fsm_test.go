package fsm

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

func newFSM(t testing.TB) *FSM {
	t.Helper()
	s, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	return New(s, nil)
}

func entry(t testing.TB, idx uint64, mt MessageType, msg any) *raft.Log {
	t.Helper()
	data, err := Encode(mt, msg)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return &raft.Log{Index: idx, Type: raft.LogCommand, Data: data}
}

func webReg(node string) *state.Registration {
	return &state.Registration{
		Node: state.Node{Node: node, Address: "10.0.0.1", Meta: map[string]string{"k": "v"}},
		Service: &state.Service{ID: "web-1", Name: "web", Tags: []string{"a"}, Port: 80,
			Proxy: state.Proxy{Config: map[string]any{"protocol": "http", "n": map[string]any{"x": 1.5}}}},
		Checks: []*state.HealthCheck{{CheckID: "c1", ServiceID: "web-1", Status: state.HealthPassing}},
	}
}

func TestApply(t *testing.T) {
	reg := webReg("n1")
	badCheck := webReg("n2")
	badCheck.Checks[0].ServiceID = "missing"
	tests := []struct {
		name string
		log  func(t *testing.T) *raft.Log
		want error // nil: applied
	}{
		{"register", func(t *testing.T) *raft.Log { return entry(t, 5, RegisterRequestType, reg) }, nil},
		{"deregister", func(t *testing.T) *raft.Log {
			return entry(t, 5, DeregisterRequestType, &state.Deregistration{Node: "n1"})
		}, nil},
		{"store error", func(t *testing.T) *raft.Log { return entry(t, 5, RegisterRequestType, badCheck) }, state.ErrUnknownService},
		{"empty", func(t *testing.T) *raft.Log { return &raft.Log{Index: 5, Type: raft.LogCommand} }, ErrEmptyEntry},
		{"unknown type", func(t *testing.T) *raft.Log { return &raft.Log{Index: 5, Type: raft.LogCommand, Data: []byte{77}} }, ErrUnknownMessageType},
		{"ignorable type", func(t *testing.T) *raft.Log {
			return &raft.Log{Index: 5, Type: raft.LogCommand, Data: []byte{byte(IgnoreUnknownTypeFlag | 77)}}
		}, nil},
		{"corrupt body", func(t *testing.T) *raft.Log {
			return &raft.Log{Index: 5, Type: raft.LogCommand, Data: []byte{0, 0xc1}}
		}, errAny},
		{"not a command", func(t *testing.T) *raft.Log { return &raft.Log{Index: 5, Type: raft.LogNoop, Data: []byte{77}} }, nil},
		{"query create", func(t *testing.T) *raft.Log {
			return entry(t, 5, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpCreate, Query: *webQuery(queryID)})
		}, nil},
		{"query update", func(t *testing.T) *raft.Log {
			return entry(t, 5, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpUpdate, Query: *webQuery(queryID)})
		}, nil},
		{"query delete", func(t *testing.T) *raft.Log {
			return entry(t, 5, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpDelete, Query: state.PreparedQuery{ID: queryID}})
		}, nil},
		{"query invalid", func(t *testing.T) *raft.Log {
			q := webQuery(queryID)
			q.Service.Service = ""
			return entry(t, 5, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpCreate, Query: *q})
		}, state.ErrInvalidQuery},
		{"query unknown op", func(t *testing.T) *raft.Log {
			return entry(t, 5, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: "upsert", Query: *webQuery(queryID)})
		}, ErrUnknownQueryOp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, batched := range []bool{false, true} {
				f := newFSM(t)
				if err := f.store.EnsureRegistration(1, webReg("n1")); err != nil {
					t.Fatal(err)
				}
				var resp any
				if batched {
					resp = f.ApplyBatch([]*raft.Log{tt.log(t)})[0]
				} else {
					resp = f.Apply(tt.log(t))
				}
				checkResponse(t, resp, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

const queryID = "8f246b77-f3e1-ff88-5b48-8ec93abf3e05"

// webQuery is a template with every field set.
func webQuery(id string) *state.PreparedQuery {
	return &state.PreparedQuery{ID: id, Name: "web-", Token: "tok",
		Service: state.ServiceQuery{Service: "${name.suffix}", Near: "_agent", OnlyPassing: true, Connect: true,
			Failover:       state.QueryFailoverOptions{NearestN: 1, Datacenters: []string{"dc2"}},
			IgnoreCheckIDs: []string{"serfHealth"}, Tags: []string{"a", "!b"},
			NodeMeta: map[string]string{"k": "v"}, ServiceMeta: map[string]string{"s": "t"}},
		DNS:      state.QueryDNSOptions{TTL: "10s"},
		Template: state.QueryTemplate{Type: state.QueryTemplateNamePrefixMatch, Regexp: "^web-(.*)$", RemoveEmptyTags: true},
	}
}

func TestApplyPreparedQueryRoundTrips(t *testing.T) {
	for _, batched := range []bool{false, true} {
		f := newFSM(t)
		apply := func(l *raft.Log) any {
			if batched {
				return f.ApplyBatch([]*raft.Log{l})[0]
			}
			return f.Apply(l)
		}
		want := webQuery(queryID)
		checkResponse(t, apply(entry(t, 3, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpCreate, Query: *want})), nil)
		idx, got, err := f.Store().PreparedQueryGet(nil, queryID)
		if err != nil || idx != 3 || got == nil {
			t.Fatalf("PreparedQueryGet = %d, %v, %v", idx, got, err)
		}
		want.CreateIndex, want.ModifyIndex = 3, 3
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("stored query differs:\n got %+v\nwant %+v", got, want)
		}
		checkResponse(t, apply(entry(t, 4, PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpDelete,
			Query: state.PreparedQuery{ID: queryID}})), nil)
		if idx, got, _ := f.Store().PreparedQueryGet(nil, queryID); idx != 4 || got != nil {
			t.Fatalf("after delete: %d, %v", idx, got)
		}
	}
}

func checkResponse(t *testing.T, resp any, want error) {
	t.Helper()
	switch {
	case want == nil && resp != nil:
		t.Fatalf("response = %v, want nil", resp)
	case want == errAny:
		if _, ok := resp.(error); !ok {
			t.Fatalf("response = %v, want an error", resp)
		}
	case want != nil:
		if err, _ := resp.(error); !errors.Is(err, want) {
			t.Fatalf("response = %v, want %v", resp, want)
		}
	}
}

func TestApplyRoundTripsRecords(t *testing.T) {
	f := newFSM(t)
	reg := webReg("n1")
	checkResponse(t, f.Apply(entry(t, 7, RegisterRequestType, reg)), nil)
	idx, csns, _ := f.Store().CheckServiceNodes(nil, "web", false)
	if idx != 7 || len(csns) != 1 {
		t.Fatalf("CheckServiceNodes = %d results @%d", len(csns), idx)
	}
	got := csns[0]
	if got.Node.Meta["k"] != "v" || got.Service.Tags[0] != "a" || got.Checks[0].ServiceName != "web" {
		t.Errorf("decoded records = %+v %+v %+v", got.Node, got.Service, got.Checks[0])
	}
	if n, ok := got.Service.Proxy.Config["n"].(map[string]any); !ok || n["x"] != 1.5 {
		t.Errorf("proxy config = %#v, want nested map[string]any", got.Service.Proxy.Config)
	}
	// The same registration again, as anti-entropy sends it, is a no-op.
	checkResponse(t, f.Apply(entry(t, 8, RegisterRequestType, webReg("n1"))), nil)
	if idx, _, _ := f.Store().CheckServiceNodes(nil, "web", false); idx != 7 {
		t.Errorf("re-registration moved the index to %d", idx)
	}
}

func TestApplyBatchMatchesApply(t *testing.T) {
	bad := webReg("n3")
	bad.Checks[0].ServiceID = "nope"
	logs := []*raft.Log{
		entry(t, 1, RegisterRequestType, webReg("n1")),
		{Index: 2, Type: raft.LogConfiguration},
		entry(t, 3, RegisterRequestType, bad),
		{Index: 4, Type: raft.LogCommand, Data: []byte{200}},
		entry(t, 5, RegisterRequestType, webReg("n2")),
		entry(t, 6, DeregisterRequestType, &state.Deregistration{Node: "n1"}),
	}
	one, many := newFSM(t), newFSM(t)
	var want []any
	for _, l := range logs {
		want = append(want, one.Apply(l))
	}
	got := many.ApplyBatch(logs)
	for i := range logs {
		if (got[i] == nil) != (want[i] == nil) {
			t.Errorf("log %d: batch response %v, single %v", i, got[i], want[i])
		}
	}
	for _, f := range []*FSM{one, many} {
		idx, csns, _ := f.Store().CheckServiceNodes(nil, "web", false)
		if idx != 6 || len(csns) != 1 || csns[0].Node.Node != "n2" {
			t.Errorf("after batch: %d instances @%d", len(csns), idx)
		}
	}
}

func TestSnapshotRestore(t *testing.T) {
	src := newFSM(t)
	checkResponse(t, src.Apply(entry(t, 3, RegisterRequestType, webReg("n1"))), nil)
	store := raft.NewInmemSnapshotStore()
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink, err := store.Create(raft.SnapshotVersionMax, 3, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatalf("Persist: %v", err)
	}
	snap.Release()
	_, rc, err := store.Open(sink.ID())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)

	dst := newFSM(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if idx, csns, _ := dst.Store().CheckServiceNodes(nil, "web", false); idx != 3 || len(csns) != 1 {
		t.Errorf("restored %d instances @%d", len(csns), idx)
	}

	for name, bad := range map[string][]byte{
		"empty":       nil,
		"bad magic":   append([]byte("XXXX\x01"), data[5:]...),
		"bad version": append([]byte("PYLF\x09"), data[5:]...),
		"bad body":    data[:len(data)-3],
	} {
		if err := dst.Restore(io.NopCloser(bytes.NewReader(bad))); err == nil {
			t.Errorf("%s: Restore accepted it", name)
		}
		if _, csns, _ := dst.Store().CheckServiceNodes(nil, "web", false); len(csns) != 1 {
			t.Errorf("%s: failed Restore changed the state", name)
		}
	}
}
