package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

func newTestClient(t *testing.T, c *testCluster) *Client {
	t.Helper()
	cl := NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	var addrs []string
	for _, s := range c.servers {
		addrs = append(addrs, s.Addr())
	}
	cl.SetServers(addrs)
	return cl
}

func TestClientWritesAndReadsThroughAnyServer(t *testing.T) {
	c := newTestCluster(t, 3)
	cl := newTestClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Talk to a follower first: its writes must be forwarded to the
	// leader, not refused as forwarded calls.
	cl.SetServers([]string{c.followers()[0].Addr()})
	reg := &state.Registration{
		Node:    state.Node{Node: "client-1", Address: "10.0.0.9"},
		Service: &state.Service{ID: "web-1", Name: "web", Port: 80},
	}
	idx, err := cl.Register(ctx, reg)
	if err != nil || idx == 0 {
		t.Fatalf("Register through a follower = %d, %v", idx, err)
	}
	waitFor(t, func() bool {
		ns, err := cl.NodeState(ctx, "client-1")
		return err == nil && ns.Node != nil && len(ns.Services) == 1 && ns.Services[0].ID == "web-1"
	})
	if _, err := cl.Deregister(ctx, &state.Deregistration{Node: "client-1", ServiceID: "web-1"}); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	ns, err := c.leader().NodeState("client-1")
	if err != nil || len(ns.Services) != 0 {
		t.Fatalf("after deregister the leader has %+v, %v", ns, err)
	}
}

func TestClientForwardsHTTP(t *testing.T) {
	c := newTestCluster(t, 3)
	cl := newTestClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, s := range c.servers {
		s.SetHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Served-By", s.ID())
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprintf(w, "%s %s token=%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Consul-Token"), body)
		}))
	}
	resp, err := cl.HTTP(ctx, &HTTPRequest{
		Method: http.MethodPut, URI: "/v1/kv/a?cas=0",
		Header: map[string][]string{"X-Consul-Token": {"secret"}}, Body: []byte("v"),
	})
	if err != nil {
		t.Fatalf("HTTP: %v", err)
	}
	want := "PUT /v1/kv/a?cas=0 token=secret body=v"
	if resp.Status != http.StatusTeapot || string(resp.Body) != want || len(resp.Header["X-Served-By"]) != 1 {
		t.Fatalf("HTTP answer = %d %q %v, want 418 %q with X-Served-By", resp.Status, resp.Body, resp.Header, want)
	}
}

// TestClientMovesOffALostServer: the client's server stops; calls go on
// through the others, and a leader election in between is waited out.
func TestClientMovesOffALostServer(t *testing.T) {
	c := newTestCluster(t, 3)
	cl := newTestClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	old, survivors := c.leader(), c.followers()
	cl.SetServers([]string{old.Addr()})
	cl.SetServers([]string{survivors[0].Addr(), old.Addr(), survivors[1].Addr()})
	if got := cl.Servers()[0]; got != old.Addr() {
		t.Fatalf("current server = %s, want the leader %s kept first", got, old.Addr())
	}
	if err := old.Shutdown(); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		reg := &state.Registration{Node: state.Node{Node: fmt.Sprint("n", i), Address: "10.0.0.1"}}
		if _, err := cl.Register(ctx, reg); err != nil {
			t.Fatalf("register %d after the server was lost: %v", i, err)
		}
	}
	if got := cl.Servers()[0]; got == old.Addr() {
		t.Fatal("the client still calls the lost server first")
	}
}

func TestClientWithoutServers(t *testing.T) {
	cl := NewClient(nil)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := cl.Register(ctx, &state.Registration{Node: state.Node{Node: "x"}})
	if err == nil {
		t.Fatal("Register with no servers succeeded")
	}
}

// TestClientSendsLeaderBoundHTTPToTheLeader: once a server has named the
// leader, writes and default reads go to it directly while ?stale reads
// stay with the client's own server; with the leader gone, writes take
// the usual way again.
func TestClientSendsLeaderBoundHTTPToTheLeader(t *testing.T) {
	c := newTestCluster(t, 3)
	cl := newTestClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	leader, followers := c.leader(), c.followers()
	cl.SetServers([]string{followers[0].Addr()})
	cl.SetServers([]string{followers[0].Addr(), leader.Addr(), followers[1].Addr()})
	for _, s := range c.servers {
		s.SetHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Served-By", s.ID())
		}))
	}
	servedBy := func(method, uri string) string {
		t.Helper()
		resp, err := cl.HTTP(ctx, &HTTPRequest{Method: method, URI: uri})
		if err != nil {
			t.Fatalf("%s %s: %v", method, uri, err)
		}
		return resp.Header["X-Served-By"][0]
	}
	steps := []struct {
		method, uri, want string
	}{
		{http.MethodPut, "/v1/kv/a", followers[0].ID()}, // no leader named yet
		{http.MethodPut, "/v1/kv/a", leader.ID()},
		{http.MethodGet, "/v1/kv/a", leader.ID()},
		{http.MethodGet, "/v1/kv/a?stale", followers[0].ID()},
		{http.MethodGet, "/v1/status/leader", followers[0].ID()},
	}
	for _, st := range steps {
		if got := servedBy(st.method, st.uri); got != st.want {
			t.Fatalf("%s %s served by %s, want %s", st.method, st.uri, got, st.want)
		}
	}
	if err := leader.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if got := servedBy(http.MethodPut, "/v1/kv/b"); got == leader.ID() {
		t.Fatal("a write after the leader stopped was served by it")
	}
}
