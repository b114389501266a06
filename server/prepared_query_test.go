package server

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPreparedQueryApply(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	if _, err := s.Register(ctx, reg("n1", "web-1")); err != nil {
		t.Fatal(err)
	}
	web := func() *state.PreparedQuery {
		return &state.PreparedQuery{Name: "web", Service: state.ServiceQuery{Service: "web"}}
	}
	q := web()
	idx, err := s.PreparedQueryApply(ctx, state.QueryOpCreate, q)
	if err != nil || !uuidRE.MatchString(q.ID) {
		t.Fatalf("create = %d, %v, ID %q", idx, err, q.ID)
	}
	if got, stored, _ := s.Store().PreparedQueryGet(nil, q.ID); got != idx || stored == nil || stored.Name != "web" {
		t.Fatalf("stored = %+v @%d, want @%d", stored, got, idx)
	}

	unknown := web()
	unknown.ID = "00000000-0000-4000-8000-000000000000"
	withID := web()
	withID.ID = q.ID
	noService := web()
	noService.Name, noService.Service.Service = "other", ""
	tests := []struct {
		name string
		op   state.PreparedQueryOp
		q    *state.PreparedQuery
		want error
	}{
		{"create with an ID", state.QueryOpCreate, withID, state.ErrInvalidQuery},
		{"create taken name", state.QueryOpCreate, web(), state.ErrInvalidQuery},
		{"create without service", state.QueryOpCreate, noService, state.ErrInvalidQuery},
		{"update unknown", state.QueryOpUpdate, unknown, state.ErrQueryNotFound},
		{"delete unknown", state.QueryOpDelete, unknown, state.ErrQueryNotFound},
		{"unknown op", "upsert", web(), state.ErrInvalidQuery},
		{"nil query", state.QueryOpCreate, nil, state.ErrInvalidQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Store().LastIndex()
			if _, err := s.PreparedQueryApply(ctx, tt.op, tt.q); !errors.Is(err, tt.want) {
				t.Fatalf("PreparedQueryApply = %v, want %v", err, tt.want)
			}
			if s.Store().LastIndex() != before {
				t.Error("a refused write reached the store")
			}
			if tt.op == state.QueryOpCreate && tt.q != nil && tt.q != withID && tt.q.ID != "" {
				t.Errorf("a refused create set the ID to %q", tt.q.ID)
			}
		})
	}

	upd := web()
	upd.ID, upd.Service.OnlyPassing = q.ID, true
	uidx, err := s.PreparedQueryApply(ctx, state.QueryOpUpdate, upd)
	if err != nil || uidx <= idx {
		t.Fatalf("update = %d, %v", uidx, err)
	}
	res, err := s.PreparedQuery("WEB", preparedquery.Options{})
	if err != nil || len(res.Nodes) != 1 || res.Datacenter != "dc1" {
		t.Fatalf("PreparedQuery = %+v, %v", res, err)
	}
	if _, err := s.PreparedQueryApply(ctx, state.QueryOpDelete, &state.PreparedQuery{ID: q.ID}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.PreparedQuery("web", preparedquery.Options{}); !errors.Is(err, state.ErrQueryNotFound) {
		t.Fatalf("PreparedQuery after delete = %v", err)
	}
}
