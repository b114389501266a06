package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBadCatalogWrites: malformed, oversized and invalid bodies are 400s
// that name the problem, and leave the catalog as it was.
func TestBadCatalogWrites(t *testing.T) {
	api, _ := testAPI(t, 1)
	h := api.Handler()
	before, _ := get(t, h, "/v1/catalog/nodes", "")
	big := `{"Node":"n","Address":"1.2.3.4","NodeMeta":{"k":"` + strings.Repeat("x", 2<<20) + `"}}`
	tests := []struct{ path, body, want string }{
		{"/v1/catalog/register", `{"Node":`, "Request decode failed"},
		{"/v1/catalog/register", `{"Node":"n","Address":1}`, "Request decode failed"},
		{"/v1/catalog/register", big, "Request body too large"},
		{"/v1/catalog/register", `{"Address":"1.2.3.4"}`, "Must provide node"},
		{"/v1/catalog/deregister", `{"Node":""}`, "Missing node name"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, tt.path, strings.NewReader(tt.body)))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("PUT %s %.30s: %d %q, want 400 with %q", tt.path, tt.body, w.Code, w.Body.String(), tt.want)
		}
	}
	if after, _ := get(t, h, "/v1/catalog/nodes", ""); after != before {
		t.Errorf("catalog changed by failed writes:\n%s\n%s", before, after)
	}
}
