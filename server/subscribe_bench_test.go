package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// fanoutSubscribers is the figure: a catalog change reaches 1,000
// subscribed agent views within 200 ms at p99.
const fanoutSubscribers = 1000

// arrival is one subscriber's receipt of a batch.
type arrival struct {
	index uint64 // highest index in the batch
	at    time.Time
	err   error
}

// BenchmarkSubscribeFanout measures how long one health change takes to
// reach 1,000 remote subscriptions to its service: from the start of the
// write (through Raft) until each subscription's Next returned the
// change. "servers=1": one dev server, every subscription over one
// Client (one connection, as one agent would have). "servers=3": a
// 3-server cluster, the write on the leader, half the subscriptions on
// each follower through one Client each; "servers=3,raft=production" the
// same with the production Raft timings (raft_multiplier 1), where the
// followers learn of a commit from the leader's commit nudge. Reports
// p50_ms, p99_ms and max_ms over every (subscription, change) pair.
//
//	go test ./server -run XXX -bench SubscribeFanout -benchtime 20x
func BenchmarkSubscribeFanout(b *testing.B) {
	b.Run("servers=1", func(b *testing.B) {
		s := startServer(b, testConfig(b))
		benchFanout(b, s, []*Server{s})
	})
	b.Run("servers=3", func(b *testing.B) { benchFanoutCluster(b, func(*Config) {}) })
	b.Run("servers=3,raft=production", func(b *testing.B) {
		benchFanoutCluster(b, func(cfg *Config) { cfg.FastRaft, cfg.RaftMultiplier = false, 1 })
	})
}

// benchFanoutCluster runs benchFanout on a 3-server cluster: writes on the
// leader, subscriptions on the followers.
func benchFanoutCluster(b *testing.B, edit func(*Config)) {
	c := newTestClusterWith(b, 3, edit)
	w := NewClient(nil) // writes through the leader, riding out elections
	b.Cleanup(func() { w.Close() })
	w.SetServers([]string{c.leader().Addr()})
	benchFanout(b, w, c.followers())
}

// benchFanout writes through w and spreads the subscriptions over serve.
func benchFanout(b *testing.B, w registrar, serve []*Server) {
	mustRegister(b, w, webInstance("n1", "web1", state.HealthPassing))
	for _, s := range serve {
		waitFor(b, func() bool { _, csns, _ := s.Store().CheckServiceNodes(nil, "web", false); return len(csns) == 1 })
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	b.Cleanup(func() { cancel(); wg.Wait() })

	clients := make([]*Client, len(serve))
	for i, s := range serve {
		clients[i] = NewClient(nil)
		b.Cleanup(func() { clients[i].Close() })
		clients[i].SetServers([]string{s.Addr()})
	}
	subs := make([]*Subscription, fanoutSubscribers)
	for i := range subs {
		sub, err := clients[i%len(clients)].Subscribe(ctx, webHealth)
		if err != nil {
			b.Fatalf("subscribe %d: %v", i, err)
		}
		if _, err := sub.Next(ctx); err != nil { // the snapshot
			b.Fatalf("snapshot %d: %v", i, err)
		}
		subs[i] = sub
	}
	got := make(chan arrival, fanoutSubscribers)
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sub.Close()
			for {
				events, err := sub.Next(ctx)
				if err != nil {
					if ctx.Err() == nil {
						got <- arrival{err: err}
					}
					return
				}
				got <- arrival{index: events[len(events)-1].Index, at: time.Now()}
			}
		}()
	}

	statusOf := []string{state.HealthCritical, state.HealthPassing}
	lat := make([]time.Duration, 0, b.N*fanoutSubscribers)
	n, prev := 0, uint64(0)
	for b.Loop() {
		start := time.Now()
		idx := mustRegister(b, w, webCheck("n1", "web1", statusOf[n%2]))
		n++
		for range fanoutSubscribers {
			a := <-got
			// A write retried after a lost leadership may have
			// committed at its first attempt, below idx.
			if a.err != nil || a.index > idx || a.index <= prev {
				b.Fatalf("subscriber got index %d, %v; want %d", a.index, a.err, idx)
			}
			lat = append(lat, a.at.Sub(start))
		}
		prev = idx
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
	b.ReportMetric(ms(lat[min(len(lat)*99/100, len(lat)-1)]), "p99_ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
}
