package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// parkingAPI serves the API over real loopback HTTP with parking on, and
// returns its address and the server behind it.
func parkingAPI(t testing.TB, park bool) (string, *Server, *server.Server) {
	t.Helper()
	api, srv := testAPI(t, 0)
	api.cfg.ParkBlockingQueries = park
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
	return ln.Addr().String(), api, srv
}

func register(t testing.TB, srv *server.Server, node, service string) {
	t.Helper()
	_, err := srv.Register(context.Background(), &state.Registration{
		Node:    state.Node{Node: node, Address: "10.0.0.1"},
		Service: &state.Service{ID: service, Name: service, Port: 80},
	})
	if err != nil {
		t.Fatal(err)
	}
}

type reply struct {
	resp *http.Response
	body string
	err  error
}

// blockingGet starts a blocking GET and returns where its answer arrives.
func blockingGet(addr, path string) <-chan reply {
	ch := make(chan reply, 1)
	go func() {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			ch <- reply{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		ch <- reply{resp, string(b), err}
	}()
	return ch
}

func TestParkedQueryAnswersOnChange(t *testing.T) {
	addr, api, srv := parkingAPI(t, true)
	register(t, srv, "n1", "x")
	first, err := http.Get("http://" + addr + "/v1/catalog/service/x")
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close()
	idx := first.Header.Get("X-Consul-Index")

	got := blockingGet(addr, "/v1/catalog/service/x?index="+idx+"&wait=30s")
	waitParked(t, api, 1)
	// A change elsewhere may wake the group; the query must park again.
	register(t, srv, "n2", "y")
	select {
	case a := <-got:
		t.Fatalf("answered after an unrelated change: %+v", a)
	case <-time.After(200 * time.Millisecond):
	}
	register(t, srv, "n3", "x")
	select {
	case a := <-got:
		if a.err != nil || a.resp.StatusCode != 200 {
			t.Fatalf("answer = %+v", a)
		}
		if a.resp.Header.Get("X-Consul-Index") == idx || !strings.Contains(a.body, `"n3"`) || !a.resp.Close {
			t.Fatalf("answer index %s (was %s), body %s, headers %v; want a new index, n3, Connection: close",
				a.resp.Header.Get("X-Consul-Index"), idx, a.body, a.resp.Header)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("parked query did not answer after the change")
	}
}

func TestParkedQueryTimesOutWithTheSameIndex(t *testing.T) {
	addr, api, srv := parkingAPI(t, true)
	register(t, srv, "n1", "x")
	first := <-blockingGet(addr, "/v1/catalog/service/nothing")
	idx := first.resp.Header.Get("X-Consul-Index")
	start := time.Now()
	got := blockingGet(addr, "/v1/catalog/service/nothing?index="+idx+"&wait=300ms")
	waitParked(t, api, 1)
	a := <-got
	if a.err != nil || a.resp.StatusCode != 200 || a.resp.Header.Get("X-Consul-Index") != idx || strings.TrimSpace(a.body) != "[]" {
		t.Fatalf("timed-out answer = %+v %q, want 200 [] at index %s", a, a.body, idx)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("answered after %v, before the wait of 300ms", d)
	}
	if n := parkedCount(api); n != 0 {
		t.Fatalf("%d queries still parked after the timeout", n)
	}
}

func TestCloseEndsParkedQueries(t *testing.T) {
	addr, api, _ := parkingAPI(t, true)
	got := blockingGet(addr, "/v1/catalog/service/x?index=1&wait=1m")
	waitParked(t, api, 1)
	api.Close()
	select {
	case a := <-got:
		if a.err == nil {
			t.Fatalf("closed parked query answered %v", a.resp.Status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close left the parked query hanging")
	}
	if n := parkedCount(api); n != 0 {
		t.Fatalf("%d queries parked after Close", n)
	}
}

// TestParkingKeepsPipelinedAndNonGETRequestsWorking: a HEAD or a request
// over HTTP/1.0 still gets answered.
func TestParkedHTTP10Request(t *testing.T) {
	addr, api, srv := parkingAPI(t, true)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/catalog/service/x?index=1&wait=30s HTTP/1.0\r\nHost: x\r\n\r\n")
	waitParked(t, api, 1)
	register(t, srv, "n1", "x")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"x"`) {
		t.Fatalf("answer = %s %s", resp.Status, b)
	}
}

func parkedCount(api *Server) int {
	api.parker.mu.Lock()
	defer api.parker.mu.Unlock()
	n := 0
	for _, g := range api.parker.groups {
		n += len(g.waiters)
	}
	return n
}

func waitParked(t testing.TB, api *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for parkedCount(api) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d queries parked, want %d", parkedCount(api), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkWatcherMemory is the live memory (heap and stacks, after a GC)
// per idle blocking query, parked and not, side by side: go test
// ./agent/httpapi -run '^$' -bench WatcherMemory -benchtime 1x. The
// clients' connections are in the same process and counted too.
func BenchmarkWatcherMemory(b *testing.B) {
	const watchers = 2000
	for _, park := range []bool{false, true} {
		b.Run(fmt.Sprintf("parked=%v", park), func(b *testing.B) {
			for b.Loop() {
				addr, api, _ := parkingAPI(b, park)
				before := liveBytes()
				conns := make([]net.Conn, watchers)
				for i := range conns {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					fmt.Fprintf(c, "GET /v1/catalog/service/x?index=1&wait=5m HTTP/1.1\r\nHost: x\r\n\r\n")
					conns[i] = c
				}
				if park {
					waitParked(b, api, watchers)
				} else {
					time.Sleep(2 * time.Second) // no count to wait on; let them block
				}
				after := liveBytes()
				b.ReportMetric(float64(after-before)/watchers, "bytes/watcher")
			}
		})
	}
}

func liveBytes() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// TestParkedAlikeQueriesShareOneAnswer: many watchers of the same query
// and one of another, woken by one change, all get their answer.
func TestParkedAlikeQueriesShareOneAnswer(t *testing.T) {
	addr, api, srv := parkingAPI(t, true)
	register(t, srv, "n1", "x")
	first := <-blockingGet(addr, "/v1/catalog/service/x")
	idx := first.resp.Header.Get("X-Consul-Index")
	const alike = 20
	var got []<-chan reply
	for range alike {
		got = append(got, blockingGet(addr, "/v1/catalog/service/x?index="+idx+"&wait=30s"))
	}
	other := blockingGet(addr, "/v1/catalog/service/x?index="+idx+"&wait=29s&pretty")
	waitParked(t, api, alike+1)
	register(t, srv, "n2", "x")
	for i, ch := range append(got, other) {
		select {
		case a := <-ch:
			if a.err != nil || a.resp.StatusCode != 200 || !strings.Contains(a.body, `"n2"`) || a.resp.Header.Get("X-Consul-Index") == idx {
				t.Fatalf("watcher %d: %+v %q", i, a.err, a.body)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watcher %d not answered", i)
		}
	}
}
