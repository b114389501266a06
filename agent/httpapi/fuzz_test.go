package httpapi

import (
	"net/http"
	"net/http/httptest"
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
	api, _ := testAPI(f, 1)
	h := api.Handler()
	targets := []struct{ method, path string }{
		{http.MethodPut, "/v1/catalog/register"},
		{http.MethodPut, "/v1/catalog/deregister"},
		{http.MethodPost, "/v1/query"},
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
