package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server"
)

var _ Catalog = (*server.Server)(nil)

// consulClient is the official Consul client pointed at an HTTP server
// over h.
func consulClient(t *testing.T, h http.Handler) *consul.Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := consul.NewClient(&consul.Config{Address: ts.URL, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPreparedQueriesWithConsulClient drives the whole prepared query API
// with hashicorp/consul/api's PreparedQuery endpoint.
func TestPreparedQueriesWithConsulClient(t *testing.T) {
	h, _ := testAPI(t, 4)
	pq := consulClient(t, h.Handler()).PreparedQuery()

	def := &consul.PreparedQueryDefinition{Name: "web-v1",
		Service: consul.ServiceQuery{Service: "web", Tags: []string{"v1"}, OnlyPassing: true,
			Failover: consul.QueryFailoverOptions{NearestN: 2, Datacenters: []string{"dc2"}}},
		DNS: consul.QueryDNSOptions{TTL: "10s"}}
	id, _, err := pq.Create(def, nil)
	if err != nil || len(id) != 36 {
		t.Fatalf("Create = %q, %v", id, err)
	}
	got, qm, err := pq.Get(id, nil)
	if err != nil || len(got) != 1 || qm.LastIndex == 0 {
		t.Fatalf("Get = %+v, %+v, %v", got, qm, err)
	}
	def.ID = id
	if !jsonEqual(t, got[0], def) {
		t.Errorf("Get returned %+v, want %+v", got[0], def)
	}

	res, _, err := pq.Execute("web-v1", &consul.QueryOptions{})
	if err != nil || res.Service != "web" || len(res.Nodes) != 4 || res.DNS.TTL != "10s" ||
		res.Datacenter != "dc1" || res.Failovers != 0 {
		t.Fatalf("Execute = %+v, %v", res, err)
	}
	if n := res.Nodes[0]; n.Node == nil || n.Service == nil || n.Service.Service != "web" || len(n.Checks) != 1 {
		t.Errorf("node entry = %+v", n)
	}
	byID, _, err := pq.Execute(id, nil)
	if err != nil || len(byID.Nodes) != 4 {
		t.Fatalf("Execute by ID = %+v, %v", byID, err)
	}

	def.Service.Tags = []string{"v2"}
	if _, err := pq.Update(def, nil); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if res, _, err := pq.Execute("web-v1", nil); err != nil || len(res.Nodes) != 0 {
		t.Fatalf("Execute after update = %+v, %v", res, err)
	}

	tmpl := &consul.PreparedQueryDefinition{Name: "geo-",
		Service:  consul.ServiceQuery{Service: "${match(1)}"},
		Template: consul.QueryTemplate{Type: "name_prefix_match", Regexp: "^geo-(.*)$"}}
	tid, _, err := pq.Create(tmpl, nil)
	if err != nil {
		t.Fatalf("Create template: %v", err)
	}
	if res, _, err := pq.Execute("geo-web", &consul.QueryOptions{}); err != nil || res.Service != "web" || len(res.Nodes) != 4 {
		t.Fatalf("Execute template = %+v, %v", res, err)
	}
	list, _, err := pq.List(nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if ids := []string{list[0].ID, list[1].ID}; !slices.Contains(ids, id) || !slices.Contains(ids, tid) {
		t.Errorf("List IDs = %v, want %s and %s", ids, id, tid)
	}

	if _, _, err := pq.Execute("nothing", nil); err == nil || !strings.Contains(err.Error(), "404") ||
		!strings.Contains(err.Error(), "Query not found") {
		t.Errorf("Execute(unknown) = %v, want 404 Query not found", err)
	}
	if _, err := pq.Delete(id, nil); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := pq.Get(id, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Get after delete = %v, want 404", err)
	}
}

// jsonEqual compares a and b as JSON documents.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

// do sends one request to h and returns the status and body.
func do(h http.Handler, method, url, body string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, url, strings.NewReader(body)))
	return w.Code, w.Body.String()
}

func createQuery(t *testing.T, h http.Handler, body string) string {
	t.Helper()
	code, out := do(h, http.MethodPost, "/v1/query", body)
	var resp struct{ ID string }
	if code != http.StatusOK || json.Unmarshal([]byte(out), &resp) != nil || resp.ID == "" {
		t.Fatalf("POST /v1/query %s: %d %s", body, code, out)
	}
	return resp.ID
}

func TestPreparedQueryHTTP(t *testing.T) {
	api, _ := testAPI(t, 3)
	h := api.Handler()
	id := createQuery(t, h, `{"Name":"web","Service":{"Service":"web"}}`)
	createQuery(t, h, `{"Name":"any-","Service":{"Service":"${name.suffix}","Tags":["${match(1)}"]},`+
		`"Template":{"Type":"name_prefix_match","Regexp":"^any-[a-z]+-?(.*)$","RemoveEmptyTags":true}}`)
	tests := []struct {
		method, url, body string
		code              int
		want              string // in the body
	}{
		{"POST", "/v1/query", `{"Name":`, 400, "Request decode failed"},
		{"POST", "/v1/query", `{"Name":"x","Service":{}}`, 400, "must provide a service name"},
		{"POST", "/v1/query", `{"ID":"x","Name":"x","Service":{"Service":"web"}}`, 400, "ID must be empty"},
		{"POST", "/v1/query", `{"Name":"WEB","Service":{"Service":"web"}}`, 400, "aliases an existing query name"},
		{"POST", "/v1/query", `{"Service":{"Service":"web"}}`, 400, "must be bound to a session"},
		{"POST", "/v1/query", `{"Name":"t","Service":{"Service":"web"},"Template":{"Type":"x"}}`, 400, "bad Template.Type"},
		{"POST", "/v1/query", `{"Name":"n","Service":{"Service":"web","Namespace":"ns"}}`, 400, "Enterprise"},
		{"POST", "/v1/query", `{"Name":"n","Service":{"Service":"web"},"DNS":{"TTL":"x"}}`, 400, "bad DNS TTL"},
		{"PUT", "/v1/query/" + id, `{"Name":"web"}`, 400, "must provide a service name"},
		{"PUT", "/v1/query/00000000-0000-4000-8000-000000000000", `{"Name":"n","Service":{"Service":"web"}}`, 404, "non-existent"},
		{"DELETE", "/v1/query/00000000-0000-4000-8000-000000000000", "", 404, "non-existent"},
		{"GET", "/v1/query/00000000-0000-4000-8000-000000000000", "", 404, "Query not found"},
		{"GET", "/v1/query/", "", 400, "Missing"},
		{"GET", "/v1/query/nothing/execute", "", 404, "Query not found"},
		{"GET", "/v1/query/nothing/explain", "", 404, "Query not found"},
		{"PUT", "/v1/query/web/execute", "", 405, "not allowed"},
		{"GET", "/v1/query/web/execute?limit=x", "", 400, "Bad limit"},
		{"GET", "/v1/query/web/execute?dc=dc9", "", 500, "No path to datacenter"},
		{"POST", "/v1/query/" + id, "", 405, "not allowed"},
		{"GET", "/v1/query/web/execute?limit=2", "", 200, `"Service":"web"`},
		{"GET", "/v1/query/" + id + "/execute?connect", "", 200, `"Nodes":[]`},
		{"GET", "/v1/query/any-web/explain", "", 200, `"Service":"web","Near":"","Failover"`},
		{"GET", "/v1/query/any-web-v1/explain", "", 200, `"Tags":["v1"]`},
		{"GET", "/v1/query/any-web/explain", "", 200, `"Tags":[]`},
		{"GET", "/v1/query/" + id, "", 200, `"ID":"` + id + `"`},
		{"GET", "/v1/query", "", 200, `"Name":"any-"`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			code, body := do(h, tt.method, tt.url, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want %d with %q", code, body, tt.code, tt.want)
			}
		})
	}
	var res struct{ Nodes []json.RawMessage }
	_, body := do(h, "GET", "/v1/query/web/execute?limit=2", "")
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Nodes) != 2 {
		t.Errorf("execute?limit=2 = %s", body)
	}
}

// TestPreparedQueryListBlocks: GET /v1/query?index=N waits for a change,
// also when no query was ever written.
func TestPreparedQueryListBlocks(t *testing.T) {
	api, _ := testAPI(t, 0)
	h := api.Handler()
	_, idx := get(t, h, "/v1/query", "")
	done := make(chan string, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/query?index="+idx+"&wait=10s", nil))
		done <- w.Header().Get("X-Consul-Index")
	}()
	select {
	case got := <-done:
		t.Fatalf("returned at index %s before any change", got)
	case <-time.After(100 * time.Millisecond):
	}
	createQuery(t, h, `{"Name":"web","Service":{"Service":"web"}}`)
	select {
	case got := <-done:
		before, _ := strconv.ParseUint(idx, 10, 64)
		if after, _ := strconv.ParseUint(got, 10, 64); after <= before {
			t.Errorf("index %d after the change, was %d", after, before)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked list did not wake on create")
	}
}

// queryACL allows everything but query rules on names starting with
// "secret", and reading node-0.
type queryACL struct{ acl.Authorizer }

func (queryACL) QueryRead(name string) bool  { return !strings.HasPrefix(name, "secret") }
func (queryACL) QueryWrite(name string) bool { return !strings.HasPrefix(name, "secret") }
func (queryACL) NodeRead(node string) bool   { return node != "node-0" }

func TestPreparedQueryACL(t *testing.T) {
	_, srv := testAPI(t, 3)
	limited := func(token string) (acl.Authorizer, error) {
		if token == "limited" {
			return queryACL{acl.AllowAll()}, nil
		}
		return acl.AllowAll(), nil
	}
	h := New(Config{Datacenter: "dc1", NodeName: "bench"}, srv, nil, limited, slog.New(slog.DiscardHandler)).Handler()
	secret := createQuery(t, h, `{"Name":"secret-web","Service":{"Service":"web"}}`)
	withToken := createQuery(t, h, `{"Name":"web","Token":"limited","Service":{"Service":"web"}}`)
	plain := createQuery(t, h, `{"Name":"web-plain","Service":{"Service":"web"}}`)

	as := func(method, url, body string) (int, string) {
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("X-Consul-Token", "limited")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	tests := []struct {
		method, url, body string
		code              int
		want, notWant     string
	}{
		{"GET", "/v1/query", "", 200, withToken, secret},
		{"GET", "/v1/query/" + secret, "", 403, "Permission denied", ""},
		{"GET", "/v1/query/secret-web/explain", "", 403, "Permission denied", ""},
		{"POST", "/v1/query", `{"Name":"secret-2","Service":{"Service":"web"}}`, 403, "Permission denied", ""},
		{"PUT", "/v1/query/" + secret, `{"Name":"open","Service":{"Service":"web"}}`, 403, "Permission denied", ""},
		{"PUT", "/v1/query/" + plain, `{"Name":"secret-3","Service":{"Service":"web"}}`, 403, "Permission denied", ""},
		{"DELETE", "/v1/query/" + secret, "", 403, "Permission denied", ""},
		// Executing needs no query rule; instances are filtered by the
		// caller's token, or by the query's own.
		{"GET", "/v1/query/secret-web/execute", "", 200, `"node-1"`, `"node-0"`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			code, body := as(tt.method, tt.url, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) || (tt.notWant != "" && strings.Contains(body, tt.notWant)) {
				t.Errorf("%d %s, want %d with %q and without %q", code, body, tt.code, tt.want, tt.notWant)
			}
		})
	}
	// The query's token applies even to a caller with a full token.
	if _, body := do(h, "GET", "/v1/query/web/execute", ""); strings.Contains(body, `"node-0"`) || !strings.Contains(body, `"node-1"`) {
		t.Errorf("execute with the query's token = %s", body)
	}
	if _, body := do(h, "GET", "/v1/query/web-plain/execute", ""); !strings.Contains(body, `"node-0"`) {
		t.Errorf("execute with the caller's full token = %s", body)
	}
}
