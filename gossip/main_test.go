package gossip

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// memberlist's probeNode outlives Shutdown by up to a probe interval (it
// waits out its probe's timer), which the slow timings of the scale
// benchmark make seconds long.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/hashicorp/memberlist.(*Memberlist).probeNode"))
}

// testLogger logs to stderr when PYLON_TEST_LOG is set, else nowhere.
func testLogger() *slog.Logger {
	if os.Getenv("PYLON_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// eventLog records the events a pool receives.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) handle(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// count returns how many events match.
func (l *eventLog) count(match func(Event) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if match(e) {
			n++
		}
	}
	return n
}

// testPool is a started pool with the events it received.
type testPool struct {
	*Pool
	name   string
	events *eventLog
}

// addr is the host:port others join this pool at.
func (p testPool) addr() string {
	m := p.LocalMember()
	return fmt.Sprintf("%s:%d", m.Addr, m.Port)
}

// newPool starts a LAN pool with Fast timings on loopback, shut down at the
// end of the test. edit may change the config first.
func newPool(t testing.TB, name string, edit func(*Config)) testPool {
	t.Helper()
	cfg := DefaultLANConfig().Fast()
	cfg.NodeName = name
	cfg.Tags = Tags{Role: RoleClient, Datacenter: "dc1"}
	cfg.Logger = testLogger()
	events := &eventLog{}
	cfg.EventHandler = events.handle
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("start pool %s: %v", name, err)
	}
	t.Cleanup(func() { _ = p.Shutdown() })
	return testPool{Pool: p, name: name, events: events}
}

// newCluster starts n pools (node0..node{n-1}) and joins them all to the
// first, waiting until each sees every other alive.
func newCluster(t testing.TB, n int, edit func(*Config)) []testPool {
	t.Helper()
	return newClusterNamed(t, n, "node", edit)
}

// newClusterNamed is newCluster with names prefix0..prefix{n-1}.
func newClusterNamed(t testing.TB, n int, prefix string, edit func(*Config)) []testPool {
	t.Helper()
	pools := make([]testPool, n)
	for i := range pools {
		pools[i] = newPool(t, fmt.Sprintf("%s%d", prefix, i), edit)
	}
	for _, p := range pools[1:] {
		if _, err := p.Join([]string{pools[0].addr()}); err != nil {
			t.Fatalf("join: %v", err)
		}
	}
	for _, p := range pools {
		waitFor(t, func() bool { return p.NumMembers() == n }, "%s sees %d alive members", p.name, n)
	}
	return pools
}

// waitFor polls cond until it holds, failing the test after 15 seconds.
func waitFor(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: "+format, args...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lazy formats as the string its function returns when printed, for
// waitFor messages that report the last value seen.
type lazy func() string

func (l lazy) String() string { return l() }

// statusOf returns the status of name as p sees it, StatusNone if unknown.
func statusOf(p *Pool, name string) Status {
	for _, m := range p.Members() {
		if m.Name == name {
			return m.Status
		}
	}
	return StatusNone
}
