package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// TestParkedQueryRevokedToken: a blocking query parked with a token that
// is deleted while it waits answers 403 "ACL not found" when the data
// changes, not the new data.
func TestParkedQueryRevokedToken(t *testing.T) {
	_, srv := testAPI(t, 1)
	api, resolver, secrets := aclAPI(t, srv, 1)
	api.cfg.ParkBlockingQueries = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: api.Handler()}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		api.Close()
	})
	addr, token := ln.Addr().String(), url.QueryEscape(secrets[0])
	resp, err := http.Get("http://" + addr + "/v1/catalog/services?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	index := resp.Header.Get("X-Consul-Index")
	answer := blockingGet(addr, "/v1/catalog/services?wait=30s&index="+index+"&token="+token)
	waitParked(t, api, 1)

	_, tokens, err := srv.Store().ACLTokenList(nil, state.ACLTokenFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if tok.SecretID == secrets[0] {
			if _, err := srv.ACLTokenDelete(context.Background(), tok.AccessorID); err != nil {
				t.Fatal(err)
			}
		}
	}
	resolver.Purge() // the agent does this when the ACL tables change
	register(t, srv, "node-x", "new-service")

	r := <-answer
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.resp.StatusCode != http.StatusForbidden || r.body != "ACL not found" || strings.Contains(r.body, "new-service") {
		t.Fatalf("woken query: %s %q, want 403 ACL not found", r.resp.Status, r.body)
	}
}
