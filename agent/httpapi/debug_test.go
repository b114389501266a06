package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDebugPprofOnlyWithEnableDebug: /debug/pprof/ is served only with
// enable_debug, as Consul's.
func TestDebugPprofOnlyWithEnableDebug(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		h := New(Config{Datacenter: "dc1", NodeName: "n1", EnableDebug: enabled}, nil, nil, nil, slog.New(slog.DiscardHandler)).Handler()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
		served := rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "goroutine")
		if served != enabled {
			t.Errorf("enable_debug=%v: /debug/pprof/ answered %d (served=%v)", enabled, rec.Code, served)
		}
	}
}
