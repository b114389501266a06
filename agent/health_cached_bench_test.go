package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// benchAgent starts an agent with exactly the flags args for a benchmark
// and stops it when the benchmark ends.
func benchAgent(b *testing.B, args ...string) *Agent {
	b.Helper()
	rt, _, err := config.Load(args)
	if err != nil {
		b.Fatalf("load config: %v", err)
	}
	a, err := New(Options{Config: rt, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TestTimings: true})
	if err != nil {
		b.Fatalf("new agent: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		b.Fatalf("start agent: %v", err)
	}
	b.Cleanup(func() { _ = a.Shutdown() })
	return a
}

// benchClientPair starts a -dev server and a client agent joined to it,
// and returns them with an HTTP client that keeps its connections.
func benchClientPair(b *testing.B) (srv, cli *Agent, hc *http.Client) {
	b.Helper()
	srv = benchAgent(b, "-dev", "-node", "node1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1")
	cli = benchAgent(b, "-node", "client1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-data-dir", b.TempDir(), "-retry-join", lanAddr(srv))
	for deadline := time.Now().Add(10 * time.Second); len(cli.client.Servers()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the client found no server")
		}
	}
	hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.Cleanup(hc.CloseIdleConnections)
	return srv, cli, hc
}

// BenchmarkClientHealthRead is GET /v1/health/service/web (10 passing
// instances) through a client agent over loopback HTTP, side by side:
// ?cached, answered from the client's streamed view, and uncached,
// forwarded over RPC to the server, which reads its store. Serial is one
// caller (latency); parallel is GOMAXPROCS callers (throughput).
//
//	go test ./agent -run '^$' -bench ClientHealthRead -benchmem
func BenchmarkClientHealthRead(b *testing.B) {
	srv, cli, hc := benchClientPair(b)
	base := "http://" + cli.HTTPAddr() + "/v1/health/service/web"
	for i := range 10 {
		body := fmt.Sprintf(`{"Node":"node-%d","Address":"10.0.0.%d","Service":{"ID":"web","Service":"web","Port":8080,"Tags":["v1"]},`+
			`"Check":{"CheckID":"service:web","Name":"web check","Status":"passing","ServiceID":"web"}}`, i, i+1)
		req, _ := http.NewRequest(http.MethodPut, "http://"+srv.HTTPAddr()+"/v1/catalog/register", strings.NewReader(body))
		if _, err := readOK(hc, req); err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []struct{ name, url, cache string }{
		{"cached", base + "?cached", "HIT"},
		{"forwarded", base, ""},
	} {
		get := func() error {
			req, _ := http.NewRequest(http.MethodGet, mode.url, nil)
			resp, err := readOK(hc, req)
			if err == nil && resp.Header.Get("X-Cache") != mode.cache {
				err = fmt.Errorf("X-Cache %q, want %q", resp.Header.Get("X-Cache"), mode.cache)
			}
			return err
		}
		if err := get(); err != nil { // the first cached read starts the view
			b.Fatal(err)
		}
		b.Run(mode.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := get(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// readOK sends req and reads the whole answer, which must be 200.
func readOK(hc *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, body)
	}
	return resp, nil
}
