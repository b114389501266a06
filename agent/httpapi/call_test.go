package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestRequestToken(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		header map[string]string
		want   string
	}{
		{"none", "", nil, ""},
		{"header", "", map[string]string{"X-Consul-Token": "h"}, "h"},
		{"bearer", "", map[string]string{"Authorization": "Bearer  b "}, "b"},
		{"other scheme ignored", "", map[string]string{"Authorization": "Basic dXNlcjpwdw=="}, ""},
		{"query first", "token=q", map[string]string{"X-Consul-Token": "h", "Authorization": "Bearer b"}, "q"},
		{"header before bearer", "", map[string]string{"X-Consul-Token": "h", "Authorization": "Bearer b"}, "h"},
		{"empty query falls through", "token=", map[string]string{"X-Consul-Token": "h"}, "h"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/v1/kv/x?"+c.query, nil)
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		if got := requestToken(r); got != c.want {
			t.Errorf("%s: token %q, want %q", c.name, got, c.want)
		}
	}
}

// FuzzTokenResolution presents arbitrary tokens, in each place a token can
// be, to an API that resolves them with ACLs on: the answer is the
// anonymous one (200), or 403 "ACL not found"; never a 5xx, and never
// data for a token that does not resolve.
func FuzzTokenResolution(f *testing.F) {
	_, srv := testAPI(f, 2)
	api, _, secrets := aclAPI(f, srv, 1)
	for _, s := range []string{"", "anonymous", secrets[0], "Bearer x", "00000000-0000-0000-0000-000000000002", "\x00", "a b\tc"} {
		f.Add(uint8(0), s)
		f.Add(uint8(1), s)
		f.Add(uint8(2), s)
	}
	h := api.Handler()
	f.Fuzz(func(t *testing.T, where uint8, token string) {
		r := httptest.NewRequest(http.MethodGet, "/v1/health/service/web", nil)
		switch where % 3 {
		case 0:
			r.Header.Set("X-Consul-Token", token)
		case 1:
			r.Header.Set("Authorization", "Bearer "+token)
		case 2:
			r.URL.RawQuery = "token=" + url.QueryEscape(token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		presented := requestToken(r)
		switch {
		case w.Code == http.StatusOK && (presented == "" || presented == "anonymous" || presented == secrets[0]):
		case w.Code == http.StatusForbidden && w.Body.String() == "ACL not found":
		default:
			t.Fatalf("token %q (%d): %d %q", token, where%3, w.Code, w.Body)
		}
		if presented != secrets[0] && w.Code == http.StatusOK && w.Body.String() != "[]\n" {
			t.Fatalf("token %q saw data: %s", token, w.Body)
		}
	})
}
