package state

import (
	"errors"
	"reflect"
	"testing"

	memdb "github.com/hashicorp/go-memdb"
)

const (
	qid1 = "11111111-1111-1111-1111-111111111111"
	qid2 = "22222222-2222-2222-2222-222222222222"
	qid3 = "cccccccc-3333-3333-3333-333333333333"
)

// namedQuery is a valid query of service "web".
func namedQuery(id, name string) *PreparedQuery {
	return &PreparedQuery{ID: id, Name: name, Service: ServiceQuery{Service: "web"}}
}

// templateQuery is a name_prefix_match template.
func templateQuery(id, name, service string) *PreparedQuery {
	q := namedQuery(id, name)
	q.Service.Service = service
	q.Template.Type = QueryTemplateNamePrefixMatch
	return q
}

func mustSetQuery(t testing.TB, s *Store, idx uint64, q *PreparedQuery) {
	t.Helper()
	if err := s.PreparedQuerySet(idx, q); err != nil {
		t.Fatalf("PreparedQuerySet(%d, %q): %v", idx, q.Name, err)
	}
}

func TestPreparedQuerySetValidation(t *testing.T) {
	with := func(q *PreparedQuery, edit func(q *PreparedQuery)) *PreparedQuery { edit(q); return q }
	tests := []struct {
		name string
		q    *PreparedQuery
		ok   bool
	}{
		{"named", namedQuery(qid2, "api"), true},
		{"template", templateQuery(qid2, "geo-", "${name.suffix}"), true},
		{"catch-all template", templateQuery(qid2, "", "${name.full}"), true},
		{"same name, other case, same query", namedQuery(qid1, "WEB"), true},
		{"ttl", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.DNS.TTL = "10s" }), true},
		{"regexp", with(templateQuery(qid2, "r-", "${match(1)}"), func(q *PreparedQuery) { q.Template.Regexp = "^r-(.*)$" }), true},
		{"targets", with(namedQuery(qid2, "api"), func(q *PreparedQuery) {
			q.Service.Failover.Targets = []QueryFailoverTarget{{Datacenter: "dc2"}}
		}), true},

		{"no ID", namedQuery("", "api"), false},
		{"NUL in ID", namedQuery("a\x00b", "api"), false},
		{"NUL in name", namedQuery(qid2, "a\x00b"), false},
		{"no service", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.Service.Service = "" }), false},
		{"anonymous", namedQuery(qid2, ""), false},
		{"session", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.Session = "s1" }), false},
		{"redacted token", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.Token = "<hidden>" }), false},
		{"negative NearestN", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.Service.Failover.NearestN = -1 }), false},
		{"targets and datacenters", with(namedQuery(qid2, "api"), func(q *PreparedQuery) {
			q.Service.Failover.Targets = []QueryFailoverTarget{{Peer: "p"}}
			q.Service.Failover.Datacenters = []string{"dc2"}
		}), false},
		{"bad ttl", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.DNS.TTL = "soon" }), false},
		{"negative ttl", with(namedQuery(qid2, "api"), func(q *PreparedQuery) { q.DNS.TTL = "-1s" }), false},
		{"bad template type", with(templateQuery(qid2, "x", "web"), func(q *PreparedQuery) { q.Template.Type = "regex" }), false},
		{"bad regexp", with(templateQuery(qid2, "x", "web"), func(q *PreparedQuery) { q.Template.Regexp = "(" }), false},
		{"unknown variable", templateQuery(qid2, "x", "${name.other}"), false},
		{"unterminated", templateQuery(qid2, "x", "${name.full"), false},
		{"bad match arg", templateQuery(qid2, "x", "${match(a)}"), false},
		{"name taken", namedQuery(qid2, "web"), false},
		{"name taken, other case", namedQuery(qid2, "WEB"), false},
		{"name taken by a template", namedQuery(qid2, "geo"), false},
		{"template name taken by a query", templateQuery(qid2, "web", "web"), false},
		{"template name taken by a template", templateQuery(qid2, "GEO", "web"), false},
		{"second catch-all", templateQuery(qid2, "", "web"), false},
		{"name is an ID", namedQuery(qid2, qid1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			mustSetQuery(t, s, 1, namedQuery(qid1, "web"))
			mustSetQuery(t, s, 2, templateQuery(qid3, "geo", "web"))
			if tt.name == "second catch-all" {
				mustSetQuery(t, s, 3, templateQuery("44444444-4444-4444-4444-444444444444", "", "web"))
			}
			before := s.LastIndex()
			checkErr := s.CheckPreparedQuery(tt.q)
			err := s.PreparedQuerySet(10, tt.q)
			if (err == nil) != tt.ok || (checkErr == nil) != tt.ok {
				t.Fatalf("PreparedQuerySet = %v, CheckPreparedQuery = %v, want ok=%v", err, checkErr, tt.ok)
			}
			if !tt.ok {
				wantErr(t, err, ErrInvalidQuery)
				if s.LastIndex() != before {
					t.Error("a refused query moved the index")
				}
			}
		})
	}
}

func TestPreparedQueryIndexes(t *testing.T) {
	s := newStore(t)
	ws := memdb.NewWatchSet()
	if idx, qs, err := s.PreparedQueryList(ws); idx != 0 || len(qs) != 0 || err != nil {
		t.Fatalf("empty list = %d, %v, %v", idx, qs, err)
	}
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	csnWS := memdb.NewWatchSet()
	s.CheckServiceNodes(csnWS, "web", false)

	mustSetQuery(t, s, 5, namedQuery(qid1, "web"))
	if !fired(ws) {
		t.Error("create did not wake the list watcher")
	}
	if fired(csnWS) {
		t.Error("a query write woke a service watcher")
	}
	upd := namedQuery(qid1, "web2")
	upd.CreateIndex, upd.ModifyIndex = 99, 99 // ignored
	ws = memdb.NewWatchSet()
	s.PreparedQueryGet(ws, qid1)
	mustSetQuery(t, s, 7, upd)
	if !fired(ws) {
		t.Error("update did not wake the get watcher")
	}
	idx, q, err := s.PreparedQueryGet(nil, qid1)
	if err != nil || idx != 7 || q.Name != "web2" || q.CreateIndex != 5 || q.ModifyIndex != 7 {
		t.Fatalf("after update: %d, %+v, %v", idx, q, err)
	}
	if s.LastIndex() != 7 {
		t.Errorf("LastIndex = %d, want 7", s.LastIndex())
	}
	// The old name is free again, and the record handed out is unchanged.
	mustSetQuery(t, s, 8, namedQuery(qid2, "web"))
	if q.Name != "web2" {
		t.Error("a stored record was modified")
	}

	ws = memdb.NewWatchSet()
	s.PreparedQueryList(ws)
	if err := s.PreparedQueryDelete(9, "unknown"); err != nil || fired(ws) || s.LastIndex() != 8 {
		t.Fatalf("deleting an unknown query: %v, fired %v, index %d", err, fired(ws), s.LastIndex())
	}
	if err := s.PreparedQueryDelete(10, qid1); err != nil || !fired(ws) {
		t.Fatalf("delete: %v, fired %v", err, fired(ws))
	}
	idx, qs, _ := s.PreparedQueryList(nil)
	if idx != 10 || len(qs) != 1 || qs[0].ID != qid2 {
		t.Errorf("after delete: %d, %v", idx, qs)
	}
}

func TestPreparedQueryResolve(t *testing.T) {
	s := newStore(t)
	mustSetQuery(t, s, 1, namedQuery(qid1, "web"))
	geo := templateQuery(qid2, "geo-", "${name.suffix}")
	geo.Service.Tags = []string{"${match(1)}", "${match(2)}", "x"}
	geo.Service.NodeMeta = map[string]string{"dc": "${match(2)}"}
	geo.Template.Regexp = `^geo-([a-z]+)(?:-([a-z0-9]+))?$`
	geo.Template.RemoveEmptyTags = true
	mustSetQuery(t, s, 2, geo)
	mustSetQuery(t, s, 3, templateQuery(qid3, "geo-db-", "longest-${name.suffix}"))
	mustSetQuery(t, s, 4, templateQuery("44444444-4444-4444-4444-444444444444", "", "all-${name.full}"))

	tests := []struct {
		lookup      string
		wantID      string
		wantService string
		wantTags    []string
		wantErr     error
	}{
		{lookup: qid1, wantID: qid1, wantService: "web"},
		{lookup: "11111111-1111-1111-1111-11111111111A", wantID: "44444444-4444-4444-4444-444444444444",
			wantService: "all-11111111-1111-1111-1111-11111111111A"},
		{lookup: "WEB", wantID: qid1, wantService: "web"},
		{lookup: "geo-web-dc2", wantID: qid2, wantService: "web-dc2", wantTags: []string{"web", "dc2", "x"}},
		{lookup: "geo-web", wantID: qid2, wantService: "web", wantTags: []string{"web", "x"}},
		{lookup: "GEO-Web", wantID: qid2, wantService: "Web", wantTags: []string{"x"}},
		{lookup: "geo-db-main", wantID: qid3, wantService: "longest-main"},
		{lookup: "geo-", wantID: qid2, wantService: "", wantTags: []string{"x"}},
		{lookup: "other", wantID: "44444444-4444-4444-4444-444444444444", wantService: "all-other"},
		{lookup: qid2, wantErr: ErrTemplateByID},
		{lookup: "CCCCCCCC-3333-3333-3333-333333333333", wantErr: ErrTemplateByID}, // IDs ignore case
		{lookup: ""},
	}
	for _, tt := range tests {
		t.Run(tt.lookup, func(t *testing.T) {
			_, q, err := s.PreparedQueryResolve(nil, tt.lookup)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantID == "" {
				if q != nil {
					t.Fatalf("resolved to %q, want none", q.ID)
				}
				return
			}
			if q == nil || q.ID != tt.wantID || q.Service.Service != tt.wantService {
				t.Fatalf("resolved to %+v, want %s with service %q", q, tt.wantID, tt.wantService)
			}
			if tt.wantTags != nil && !reflect.DeepEqual(q.Service.Tags, tt.wantTags) {
				t.Errorf("tags = %q, want %q", q.Service.Tags, tt.wantTags)
			}
		})
	}
	// Rendering left the stored template alone.
	_, stored, _ := s.PreparedQueryGet(nil, qid2)
	if stored.Service.Service != "${name.suffix}" || stored.Service.Tags[0] != "${match(1)}" ||
		stored.Service.NodeMeta["dc"] != "${match(2)}" {
		t.Errorf("stored template changed: %+v", stored.Service)
	}
	_, q, _ := s.PreparedQueryResolve(nil, "geo-api-dc9")
	if q.Service.NodeMeta["dc"] != "dc9" {
		t.Errorf("node meta = %v", q.Service.NodeMeta)
	}
}

func TestTemplateInterpolation(t *testing.T) {
	v := templateVars{full: "geo-web-dc2", prefix: "geo-", suffix: "web-dc2",
		matches: []string{"geo-web-dc2", "web", "dc2"}}
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "plain", want: "plain"},
		{in: "${name.full}", want: "geo-web-dc2"},
		{in: "<${name.prefix}|${ name.suffix }>", want: "<geo-|web-dc2>"},
		{in: "${match(0)}/${match(1)}/${match( 2 )}/${match(3)}/${match(-1)}", want: "geo-web-dc2/web/dc2//"},
		{in: "$${name.full} is ${name.full}", want: "${name.full} is geo-web-dc2"},
		{in: "$", want: "$"},
		{in: "${}", bad: true},
		{in: "${name}", bad: true},
		{in: "${match(x)}", bad: true},
		{in: "${match(1}", bad: true},
		{in: "a ${name.full", bad: true},
	}
	for _, tt := range tests {
		got, err := v.interpolate(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("interpolate(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestPreparedQueryUpdateMovesBetweenIndexes(t *testing.T) {
	s := newStore(t)
	mustSetQuery(t, s, 1, namedQuery(qid1, "geo"))
	mustSetQuery(t, s, 2, templateQuery(qid1, "geo", "t-${name.suffix}")) // becomes a template
	if _, q, _ := s.PreparedQueryResolve(nil, "geo-x"); q == nil || q.Service.Service != "t--x" {
		t.Fatalf("resolve after becoming a template = %+v", q)
	}
	mustSetQuery(t, s, 3, namedQuery(qid1, "geo")) // and back
	if _, q, _ := s.PreparedQueryResolve(nil, "geo-x"); q != nil {
		t.Fatalf("the old template still answers: %+v", q)
	}
	if _, q, _ := s.PreparedQueryResolve(nil, "geo"); q == nil || q.ID != qid1 {
		t.Fatalf("exact name = %+v", q)
	}
	wantErr(t, s.PreparedQuerySet(4, templateQuery(qid2, "geo", "web")), ErrInvalidQuery) // the name is taken
}

func TestPreparedQueryWriteBatch(t *testing.T) {
	s := newStore(t)
	errs := s.WriteBatch([]func(w Writer) error{
		func(w Writer) error { return w.PreparedQuerySet(1, namedQuery(qid1, "a")) },
		func(w Writer) error { return w.PreparedQuerySet(2, namedQuery(qid2, "a")) }, // name taken
		func(w Writer) error { return w.PreparedQuerySet(3, namedQuery(qid2, "b")) },
		func(w Writer) error { return w.PreparedQueryDelete(4, qid1) },
	})
	if errs[0] != nil || !errors.Is(errs[1], ErrInvalidQuery) || errs[2] != nil || errs[3] != nil {
		t.Fatalf("errors = %v", errs)
	}
	idx, qs, _ := s.PreparedQueryList(nil)
	if idx != 4 || len(qs) != 1 || qs[0].Name != "b" || qs[0].CreateIndex != 3 {
		t.Fatalf("after batch: %d, %+v", idx, qs)
	}
}
