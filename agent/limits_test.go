package agent

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// TestHTTPConnectionCap: a client address holding http_max_conns_per_client
// connections gets 429 on one more, and is served again once it lets one
// go (Consul's answer to connection floods, CVE-2020-7219).
func TestHTTPConnectionCap(t *testing.T) {
	a, _ := testAgent(t, "-hcl", "limits { http_max_conns_per_client = 2 }")
	addr := a.HTTPAddr()
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	get := func() int {
		t.Helper()
		cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := cl.Get("http://" + addr + "/v1/agent/self")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	eventually(t, "the held connections to be accepted", func() bool { return get() == http.StatusTooManyRequests })
	held[0].Close()
	eventually(t, "a slot once a connection closed", func() bool { return get() == http.StatusOK })
}
