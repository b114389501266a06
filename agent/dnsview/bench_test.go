package dnsview

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// flipInstances is how many instances of "web" the flip benchmarks serve;
// the one on node flipNode is flipped.
const (
	flipInstances = 5
	flipNode      = "node-0"
)

// BenchmarkHealthFlipToDNS measures how long a health change takes to reach
// DNS answers: from the write that turns an instance's check critical until
// an SRV query for its service, answered by a dns.Server over the view, no
// longer lists it. The instance is made passing again (and awaited) between
// flips. "store" writes the state store directly; "raft" applies the write
// through a dev-mode server's Raft log, as the agent's anti-entropy does.
// Reports p50_µs and p99_µs of the flip latency.
func BenchmarkHealthFlipToDNS(b *testing.B) {
	b.Run("store", func(b *testing.B) {
		s := newTestStore(b)
		benchFlip(b, s.Store, func(reg *state.Registration) error {
			return s.EnsureRegistration(s.idx.Add(1), reg)
		})
	})
	b.Run("raft", func(b *testing.B) {
		srv := startDevServer(b)
		benchFlip(b, srv.Store(), func(reg *state.Registration) error {
			_, err := srv.Register(context.Background(), reg)
			return err
		})
	})
}

func benchFlip(b *testing.B, store *state.Store, write func(*state.Registration) error) {
	for i := range flipInstances {
		reg := instance(fmt.Sprintf("node-%d", i), fmt.Sprintf("10.0.0.%d", i+1), "web", "web1", state.HealthPassing)
		if err := write(reg); err != nil {
			b.Fatalf("register: %v", err)
		}
	}
	v, err := New(store, DefaultConfig("dc1"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	srv, err := dns.New(dns.DefaultConfig("dc1"), v, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	listed := func() bool { return srvListsNode(b, srv, flipNode) }
	if !listed() {
		b.Fatal("instance not answered before the first flip")
	}

	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := write(setCheck(flipNode, "web1", state.HealthCritical)); err != nil {
			b.Fatalf("flip critical: %v", err)
		}
		waitUntil(b, "instance dropped", func() bool { return !listed() })
		lat = append(lat, time.Since(start))

		if err := write(setCheck(flipNode, "web1", state.HealthPassing)); err != nil {
			b.Fatalf("flip passing: %v", err)
		}
		waitUntil(b, "instance back", listed)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(percentile(lat, 50).Nanoseconds())/1e3, "p50_µs")
	b.ReportMetric(float64(percentile(lat, 99).Nanoseconds())/1e3, "p99_µs")
}

// srvListsNode asks srv for web.service.consul SRV over a TCP recorder (no
// UDP answer limit) and reports whether a target is on node.
func srvListsNode(tb testing.TB, srv *dns.Server, node string) bool {
	req := new(mdns.Msg)
	req.SetQuestion("web.service.consul.", mdns.TypeSRV)
	rec := dnstest.NewRecorder("tcp")
	srv.ServeDNS(rec, req)
	msg := rec.Msg()
	if msg == nil {
		tb.Fatal("no DNS response")
	}
	prefix := node + ".node."
	for _, rr := range msg.Answer {
		if r, ok := rr.(*mdns.SRV); ok && strings.HasPrefix(r.Target, prefix) {
			return true
		}
	}
	return false
}

// waitUntil spins on cond: the latency measured is meant to be far below a
// scheduler tick, so it yields rather than sleeps.
func waitUntil(tb testing.TB, what string, cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// startDevServer starts a single dev-mode server on loopback and stops it
// when the benchmark ends.
func startDevServer(tb testing.TB) *server.Server {
	cfg := server.DefaultConfig()
	cfg.NodeName = "server-1"
	cfg.RaftAddr = "127.0.0.1:0"
	cfg.Dev = true
	srv, err := server.New(cfg)
	if err != nil {
		tb.Fatalf("start server: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			tb.Errorf("server shutdown: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitForLeader(ctx); err != nil {
		tb.Fatalf("wait for leader: %v", err)
	}
	return srv
}

// BenchmarkServiceInstances measures the lookup path once a name's view
// exists: a map load, an atomic pointer load and the idle-clock check, from
// every CPU at once.
func BenchmarkServiceInstances(b *testing.B) {
	s := newTestStore(b)
	for i := range 100 {
		s.register(b, instance(fmt.Sprintf("node-%d", i), "10.0.0.1", "web", "web1", state.HealthPassing))
	}
	v := newView(b, s, nil)
	if got := len(v.ServiceInstances("dc1", "web")); got != 100 {
		b.Fatalf("view holds %d instances", got)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if len(v.ServiceInstances("dc1", "web")) != 100 {
				b.Error("short answer")
				return
			}
		}
	})
}
