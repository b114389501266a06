package gossip

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scaleMembers is the pool size of issue 5's figures: 200 agents in one
// LAN pool on loopback.
const scaleMembers = 200

// scaleVariants are the timings measured side by side: Consul's LAN
// defaults next to the faster probes and shorter suspicion considered for
// LANTimings. Only the failure detection knobs differ.
var scaleVariants = []struct {
	name     string
	interval time.Duration
	timeout  time.Duration
	mult     int
}{
	{"consul-1s-x4", time.Second, 500 * time.Millisecond, 4},
	{"1s-x3", time.Second, 500 * time.Millisecond, 3},
	{"500ms-x4", 500 * time.Millisecond, 250 * time.Millisecond, 4},
	{"500ms-x3", 500 * time.Millisecond, 250 * time.Millisecond, 3},
	{"pylon-LANTimings", 0, 0, 0},
}

// BenchmarkLANPool200 measures issue 5's gossip figures: 200 pools on
// 127.0.0.1 with production timings (not FastTimings), all joined. Each
// iteration (a) starts a new member and joins it to one random member, and
// times until every member has it alive, then (b) crashes a random member
// (Shutdown without Leave) and times until every other member has it
// failed. It reports, over the iterations, p50 and max of the time until
// the last member knew (join-all, fail-all), the p50 over single members
// (join-one, fail-one), members marked failed that were never crashed
// (false-failed, must be 0; start-false-failed while the pool formed;
// relapsed: members that listed a member in its old state again right after
// its event), and the UDP datagrams sent per member per
// second while the pool is idle (udp/member/s, read from /proc/net/snmp:
// the whole machine's loopback, so other traffic inflates it). One
// sub-benchmark per timing variant; PYLON_SCALE_VARIANTS=a,b runs only
// those. The pools share this process, so on a small machine the CPU is
// part of what is measured (try -cpu 1,2):
// go test ./gossip -run '^$' -bench LANPool200 -benchtime 5x -timeout 30m
func BenchmarkLANPool200(b *testing.B) {
	only := os.Getenv("PYLON_SCALE_VARIANTS")
	for _, v := range scaleVariants {
		if only != "" && !slices.Contains(strings.Split(only, ","), v.name) {
			continue
		}
		t := LANTimings()
		if v.interval > 0 {
			t.ProbeInterval, t.ProbeTimeout, t.SuspicionMult = v.interval, v.timeout, v.mult
		}
		b.Run(v.name, func(b *testing.B) { benchScale(b, t) })
	}
}

func benchScale(b *testing.B, timings Timings) {
	// The 200 pools share one heap, so memberlist's garbage (a fresh LZW
	// writer per compressed packet) is collected by one GC for all. Give
	// it room, as 200 separate processes would have.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	rec := newArrivals()
	sc := &scaleCluster{b: b, timings: timings, rec: rec}
	sc.start(scaleMembers)
	udp := sc.idleUDP(10 * time.Second)
	startupFailed := rec.resetFailed()

	var joinAll, joinOne, failAll, failOne []time.Duration
	relapsed := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; b.Loop(); i++ {
		// (a) a new member joins one random member.
		name := fmt.Sprintf("new%d", i)
		target := sc.alive()[rng.IntN(len(sc.alive()))]
		start := time.Now()
		p := sc.add(name)
		if _, err := p.Join([]string{target.addr()}); err != nil {
			b.Fatalf("join %s to %s: %v", name, target.name, err)
		}
		lat := rec.wait(b, EventMemberJoin, name, sc.names(), start)
		joinAll, joinOne = append(joinAll, slices.Max(lat)), append(joinOne, lat...)
		relapsed += sc.countStatusNot(name, StatusAlive)

		// (b) a random member other than the new one crashes.
		alive := sc.alive()
		victim := alive[rng.IntN(len(alive)-1)]
		start = time.Now()
		sc.crash(victim)
		lat = rec.wait(b, EventMemberFailed, victim.name, sc.names(), start)
		failAll, failOne = append(failAll, slices.Max(lat)), append(failOne, lat...)
		relapsed += sc.countStatusNot(victim.name, StatusFailed)
	}
	b.ReportMetric(ms(pct(joinAll, 50)), "join-all-p50-ms")
	b.ReportMetric(ms(slices.Max(joinAll)), "join-all-max-ms")
	b.ReportMetric(ms(pct(joinOne, 50)), "join-one-p50-ms")
	b.ReportMetric(ms(pct(failAll, 50)), "fail-all-p50-ms")
	b.ReportMetric(ms(slices.Max(failAll)), "fail-all-max-ms")
	b.ReportMetric(ms(pct(failOne, 50)), "fail-one-p50-ms")
	b.ReportMetric(float64(rec.falseFailures(sc.crashed)), "false-failed")
	b.ReportMetric(float64(relapsed), "relapsed")
	b.ReportMetric(float64(startupFailed), "start-false-failed")
	b.ReportMetric(udp, "udp/member/s")
	b.ReportMetric(0, "ns/op") // the time per op is two waits, not a cost
}

// scaleCluster is the pools of one sub-benchmark, shut down at its end.
type scaleCluster struct {
	b       *testing.B
	timings Timings
	rec     *arrivals
	mu      sync.Mutex
	pools   []testPool // started and not crashed
	all     []testPool // every pool started
	crashed map[string]bool
}

// add starts a pool named name with the cluster's timings on 127.0.0.1,
// recording its member events.
func (c *scaleCluster) add(name string) testPool {
	cfg := DefaultLANConfig()
	cfg.NodeName, cfg.BindAddr, cfg.BindPort = name, "127.0.0.1", 0
	cfg.Timings = c.timings
	cfg.Tags = Tags{Role: RoleClient, Datacenter: "dc1"}
	cfg.Logger = testLogger()
	cfg.EventHandler = func(e Event) { c.rec.record(name, e) }
	p, err := New(cfg)
	if err != nil {
		c.b.Fatalf("start pool %s: %v", name, err)
	}
	tp := testPool{Pool: p, name: name}
	c.mu.Lock()
	c.pools = append(c.pools, tp)
	c.all = append(c.all, tp)
	c.mu.Unlock()
	return tp
}

// start starts n pools, joins each to a random earlier one and waits until
// all see n alive members.
func (c *scaleCluster) start(n int) {
	c.crashed = map[string]bool{}
	c.b.Cleanup(c.shutdown)
	rng := rand.New(rand.NewPCG(3, 4))
	began := time.Now()
	for i := range n {
		// Paced: a burst of 200 joins overloads a small machine, and an
		// overloaded pool flaps.
		time.Sleep(startPace)
		p := c.add(fmt.Sprintf("node%d", i))
		if i == 0 {
			continue
		}
		to := c.pools[rng.IntN(i)]
		if _, err := p.Join([]string{to.addr()}); err != nil {
			c.b.Fatalf("join node%d: %v", i, err)
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	for _, p := range c.pools {
		for p.NumMembers() != n {
			if time.Now().After(deadline) {
				counts := map[Status]int{}
				for _, m := range p.Members() {
					counts[m.Status]++
				}
				c.b.Fatalf("%s sees members %v, want %d alive", p.name, counts, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	c.b.Logf("%d members joined and seen alive by all in %v", n, time.Since(began).Round(time.Millisecond))
}

// startPace is the pause between two joins while the pool is formed.
const startPace = 50 * time.Millisecond

// shutdown stops every pool started, crashed ones included, in parallel.
func (c *scaleCluster) shutdown() {
	began := time.Now()
	c.mu.Lock()
	all := slices.Clone(c.all)
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Go(func() { _ = p.Shutdown() })
	}
	wg.Wait()
	c.b.Logf("%d pools shut down in %v", len(all), time.Since(began).Round(time.Millisecond))
}

// alive returns the pools not crashed.
func (c *scaleCluster) alive() []testPool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.pools)
}

// names returns the names of the pools not crashed.
func (c *scaleCluster) names() []string {
	var out []string
	for _, p := range c.alive() {
		out = append(out, p.name)
	}
	return out
}

// crash shuts victim down without a leave.
func (c *scaleCluster) crash(victim testPool) {
	c.mu.Lock()
	c.pools = slices.DeleteFunc(c.pools, func(p testPool) bool { return p.name == victim.name })
	c.crashed[victim.name] = true
	c.mu.Unlock()
	_ = victim.Shutdown()
}

// countStatusNot counts the pools not crashed that list name with a status
// other than want, right after all received the event that set it: an
// overloaded pool may still hold older news about name (a stale alive
// message with a newer incarnation) and relapse.
func (c *scaleCluster) countStatusNot(name string, want Status) int {
	n := 0
	for _, p := range c.alive() {
		if p.name != name && statusOf(p.Pool, name) != want {
			n++
		}
	}
	return n
}

// idleUDP returns the UDP datagrams sent per member per second over d of
// idle pool, from the machine-wide counter in /proc/net/snmp (0 where it
// cannot be read).
func (c *scaleCluster) idleUDP(d time.Duration) float64 {
	before, err := udpOutDatagrams()
	if err != nil {
		c.b.Logf("no UDP counter: %v", err)
		return 0
	}
	time.Sleep(d)
	after, err := udpOutDatagrams()
	if err != nil {
		return 0
	}
	return float64(after-before) / float64(len(c.alive())) / d.Seconds()
}

// udpOutDatagrams reads Udp OutDatagrams from /proc/net/snmp.
func udpOutDatagrams() (uint64, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	var header []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if header == nil {
			header = f
			continue
		}
		i := slices.Index(header, "OutDatagrams")
		if i < 0 || i >= len(f) {
			break
		}
		return strconv.ParseUint(f[i], 10, 64)
	}
	return 0, fmt.Errorf("no Udp OutDatagrams in /proc/net/snmp")
}

// arrivals records when each pool last received a member event about each
// member.
type arrivals struct {
	mu   sync.Mutex
	cond *sync.Cond
	seen map[arrivalKey]time.Time
	// failed counts, per failed member, the pools that marked it failed.
	failed map[string]int
}

type arrivalKey struct {
	typ        EventType
	subject    string // the member the event is about
	receivedBy string // the pool that received it
}

func newArrivals() *arrivals {
	a := &arrivals{seen: map[arrivalKey]time.Time{}, failed: map[string]int{}}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// record notes the arrival of e at pool by.
func (a *arrivals) record(by string, e Event) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range e.Members {
		a.seen[arrivalKey{e.Type, m.Name, by}] = now
		if e.Type == EventMemberFailed {
			a.failed[m.Name]++
		}
	}
	a.cond.Broadcast()
}

// wait blocks until every pool in by (subject itself excepted) received an
// event of type typ about subject after start, and returns each one's delay after
// start. It fails the benchmark after a minute.
func (a *arrivals) wait(b *testing.B, typ EventType, subject string, by []string, start time.Time) []time.Duration {
	b.Helper()
	timer := time.AfterFunc(time.Minute, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer timer.Stop()
	deadline := start.Add(time.Minute)
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		var out []time.Duration
		missing := ""
		for _, name := range by {
			if name == subject {
				continue
			}
			at, ok := a.seen[arrivalKey{typ, subject, name}]
			if !ok || at.Before(start) {
				missing = name
				break
			}
			out = append(out, at.Sub(start))
		}
		if missing == "" {
			return out
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s has no %s event for %s after a minute", missing, typ, subject)
		}
		a.cond.Wait()
	}
}

// resetFailed forgets the failed events recorded so far and returns how
// many there were.
func (a *arrivals) resetFailed() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, count := range a.failed {
		n += count
	}
	clear(a.failed)
	return n
}

// falseFailures counts the failed events about members that were never
// crashed.
func (a *arrivals) falseFailures(crashed map[string]bool) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for name, count := range a.failed {
		if !crashed[name] {
			n += count
		}
	}
	return n
}

// pct returns the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

// ms converts d to float milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
