package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/gossip"
)

// FuzzKeyringArgs feeds arbitrary methods, query strings and bodies to the
// parser of /v1/operator/keyring requests: it never panics, and what it
// accepts is a known operation with a relay factor in range and, for a
// write, a valid key.
func FuzzKeyringArgs(f *testing.F) {
	f.Add("GET", "relay-factor=2&local-only=true", "")
	f.Add("POST", "", `{"Key":"H3/9gBxcKKRf45CaI2DlRg=="}`)
	f.Add("PUT", "relay-factor=9", `{"Key":"H3/9gBxcKKRf45CaI2DlRg=="}`)
	f.Add("DELETE", "local-only=1", `{"Key":"x"}`)
	f.Add("POST", "", `{"Key":`)
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if _, ok := keyringOps[method]; !ok {
			return
		}
		r := httptest.NewRequest(method, "/v1/operator/keyring", strings.NewReader(body))
		r.URL.RawQuery = query
		args, err := parseKeyringArgs(&call{w: httptest.NewRecorder(), r: r})
		if err != nil {
			if he, ok := err.(*httpError); !ok || he.code != http.StatusBadRequest {
				t.Fatalf("%s ?%s %q: error %v is not a 400", method, query, body, err)
			}
			return
		}
		if args.op != keyringOps[method] || args.relayFactor < 0 || args.relayFactor > maxRelayFactor {
			t.Fatalf("%s ?%s %q: accepted %+v", method, query, body, args)
		}
		if args.op != "list" {
			if _, err := gossip.DecodeKey(args.key); err != nil {
				t.Fatalf("%s %q: accepted key %q: %v", method, body, args.key, err)
			}
		}
	})
}
