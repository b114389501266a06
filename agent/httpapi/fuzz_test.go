package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzWriteBodies feeds arbitrary bodies to the endpoints that decode JSON
// from outside: no input may crash the server or be answered with a 5xx,
// since a malformed body is the client's error.
func FuzzWriteBodies(f *testing.F) {
	f.Add(uint8(0), `{"Node":"n1","Address":"10.0.0.1","Service":{"Service":"web","Port":80}}`)
	f.Add(uint8(1), `{"Node":"n1","ServiceID":"web"}`)
	f.Add(uint8(2), `{"Name":"q","Service":{"Service":"web","Tags":["!x"]},"DNS":{"TTL":"5s"}}`)
	f.Add(uint8(2), `{"Name":"geo-","Template":{"Type":"name_prefix_match","Regexp":"^geo-(.*)$"},"Service":{"Service":"${match(1)}"}}`)
	f.Add(uint8(3), `[{"KV":{"Verb":"set","Key":"a","Value":"eA=="}},{"KV":{"Verb":"check-index","Key":"a","Index":3}}]`)
	f.Add(uint8(3), `[{"Node":{"Verb":"set","Node":{"Node":"n2","Address":"10.0.0.2"}}},{"Service":{"Verb":"cas","Node":"n2","Service":{"Service":"s","ModifyIndex":1}}}]`)
	f.Add(uint8(3), `[{"Check":{"Verb":"delete","Check":{"Node":"node-0","CheckID":"service:web"}}},{"Session":{"Verb":"delete","Session":{"ID":"x"}}}]`)
	f.Add(uint8(4), `{"Name":"s","Node":"node-0","LockDelay":"15s","TTL":"10s","Behavior":"delete"}`)
	f.Add(uint8(4), `{"LockDelay":15,"Checks":["nope"]}`)
	api, _ := testAPI(f, 1)
	h := api.Handler()
	targets := []struct{ method, path string }{
		{http.MethodPut, "/v1/catalog/register"},
		{http.MethodPut, "/v1/catalog/deregister"},
		{http.MethodPost, "/v1/query"},
		{http.MethodPut, "/v1/txn"},
		{http.MethodPut, "/v1/session/create"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tg.method, tg.path, strings.NewReader(body)))
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, w.Code, w.Body)
		}
	})
}

// FuzzKVRequest feeds arbitrary keys, query strings and values to /v1/kv:
// every request gets an answer below 500 and the store stays readable.
func FuzzKVRequest(f *testing.F) {
	f.Add("PUT", "app/x", "flags=3&cas=0", "value")
	f.Add("PUT", "app/x", "acquire=not-a-session", "")
	f.Add("GET", "app/", "recurse&keys&separator=/", "")
	f.Add("DELETE", "app", "recurse&cas=5", "")
	f.Add("GET", "", "raw", "")
	api, _ := testAPI(f, 0)
	h := api.Handler()
	f.Fuzz(func(t *testing.T, method, key, query, value string) {
		switch method {
		case http.MethodGet, http.MethodPut, http.MethodDelete:
		default:
			return
		}
		u, err := url.Parse("/v1/kv/" + url.PathEscape(key) + "?" + query)
		if err != nil {
			return
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(value))
		req.URL = u
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		// An unknown session is Consul's 500 "invalid session"; anything
		// else at 500 or above is a bug.
		if w.Code >= 500 && !strings.Contains(w.Body.String(), "invalid session") {
			t.Fatalf("%s %s: %d %s", method, u, w.Code, w.Body)
		}
		list := httptest.NewRecorder()
		h.ServeHTTP(list, httptest.NewRequest(http.MethodGet, "/v1/kv/?recurse", nil))
		if list.Code != http.StatusOK && list.Code != http.StatusNotFound {
			t.Fatalf("store unreadable after %s %s: %d %s", method, u, list.Code, list.Body)
		}
	})
}
