package gossip

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkUserEventReachesFiveMembers is the time from UserEvent on one
// member until all five members (sender included) received it, Fast
// timings on loopback:
// go test ./gossip -run '^$' -bench UserEvent -benchtime 50x
func BenchmarkUserEventReachesFiveMembers(b *testing.B) {
	pools := newCluster(b, 5, nil)
	var total time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("ev%d", i)
		start := time.Now()
		if err := pools[i%5].UserEvent(name, nil, false); err != nil {
			b.Fatal(err)
		}
		for _, p := range pools {
			waitForFast(b, func() bool { return p.events.count(func(e Event) bool { return e.Name == name }) == 1 })
		}
		total += time.Since(start)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/event")
}

// BenchmarkFailureDetection is the time from a member's crash (Shutdown
// without Leave) until every other member of a five-member pool marks it
// failed, Fast timings on loopback:
// go test ./gossip -run '^$' -bench FailureDetection -benchtime 5x
func BenchmarkFailureDetection(b *testing.B) {
	var total time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		pools := newClusterNamed(b, 5, fmt.Sprintf("r%d-", i), nil)
		b.StartTimer()
		start := time.Now()
		victim := pools[4]
		_ = victim.Shutdown()
		for _, p := range pools[:4] {
			waitForFast(b, func() bool { return statusOf(p.Pool, victim.name) == StatusFailed })
		}
		total += time.Since(start)
		n++
		b.StopTimer()
		for _, p := range pools {
			_ = p.Shutdown()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/failure")
}

// waitForFast is waitFor with a 1ms poll, for benchmarks.
func waitForFast(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
