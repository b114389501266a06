package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func get(t *testing.T, h http.Handler, url, token string) (string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, w.Code, w.Body)
	}
	return w.Body.String(), w.Header().Get("X-Consul-Index")
}

// TestCachedBodiesFollowTheIndex: a cached body is served only while the
// result index is unchanged; a health change shows at once.
func TestCachedBodiesFollowTheIndex(t *testing.T) {
	api, srv := testAPI(t, 2)
	h := api.Handler()
	first, idx1 := get(t, h, "/v1/health/service/web?passing", "")
	if again, _ := get(t, h, "/v1/health/service/web?passing", ""); again != first {
		t.Fatalf("same index, different body:\n%s\n%s", first, again)
	}
	if strings.Count(first, `"ServiceID"`) < 2 {
		t.Fatalf("want both instances: %s", first)
	}
	// The pretty variant is a different cache entry.
	if pretty, _ := get(t, h, "/v1/health/service/web?passing&pretty", ""); !strings.Contains(pretty, "\n    ") {
		t.Fatalf("?pretty body not indented: %.80s", pretty)
	}
	_, err := srv.Register(context.Background(), &state.Registration{
		Node: state.Node{Node: "node-0", Address: "10.0.0.1"}, SkipNodeUpdate: true,
		Checks: []*state.HealthCheck{{Node: "node-0", CheckID: "service:web", Name: "web check",
			Status: state.HealthCritical, ServiceID: "web", ServiceName: "web"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	after, idx2 := get(t, h, "/v1/health/service/web?passing&index=1&wait=1s", "")
	if idx2 == idx1 || strings.Contains(after, `"node-0"`) || !strings.Contains(after, `"node-1"`) {
		t.Fatalf("after the check went critical (index %s -> %s): %s", idx1, idx2, after)
	}
}

func TestCacheKeyIgnoresBlockingParams(t *testing.T) {
	mk := func(url, token string) string {
		return cacheKey(&call{r: httptest.NewRequest(http.MethodGet, url, nil), token: token})
	}
	if mk("/v1/health/service/web?passing&index=5&wait=1s", "") != mk("/v1/health/service/web?passing=", "") {
		t.Error("index and wait must not split the cache")
	}
	if mk("/v1/health/service/web", "a") == mk("/v1/health/service/web", "b") {
		t.Error("tokens must not share cache entries")
	}
	if mk("/v1/health/service/web?tag=a", "") == mk("/v1/health/service/web?tag=b", "") {
		t.Error("different queries must not share cache entries")
	}
}

// TestCachedParameterSaysHowTheAnswerWasServed: ?cached reads carry
// X-Cache and Age, as Consul's agent-cache answers do; others do not.
func TestCachedParameterSaysHowTheAnswerWasServed(t *testing.T) {
	api, _ := testAPI(t, 1)
	h := api.Handler()
	for path, want := range map[string]string{
		"/v1/health/service/web?cached": "MISS",
		"/v1/catalog/services?cached":   "MISS",
		"/v1/health/service/web":        "",
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK || w.Header().Get("X-Cache") != want || (want != "" && w.Header().Get("Age") != "0") {
			t.Errorf("%s: %d X-Cache %q Age %q, want X-Cache %q", path, w.Code, w.Header().Get("X-Cache"), w.Header().Get("Age"), want)
		}
	}
}

// TestEncodeBool: a KV write's answer, written without json.Encoder, is
// the bytes json.Encoder writes, indented or not.
func TestEncodeBool(t *testing.T) {
	s := &Server{}
	for _, url := range []string{"/v1/kv/k", "/v1/kv/k?pretty"} {
		for _, v := range []bool{true, false} {
			got, err := s.encode(&call{r: httptest.NewRequest(http.MethodPut, url, nil)}, v)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(v)
			if string(got) != string(want)+"\n" {
				t.Errorf("%s %v: %q, want %q", url, v, got, string(want)+"\n")
			}
		}
	}
}
