package api_test

import (
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"
	"github.com/pylonmesh/pylon/api"
)

// tryOnce is how long a contender that must fail waits before giving up.
// It only bounds the test's duration: the assertions hold for any value.
const tryOnce = 300 * time.Millisecond

// assertClosed fails unless ch is closed (or closes while the test waits
// on the next state change it caused).
func assertClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: channel not closed", what)
	}
}

func assertOpen(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: channel closed", what)
	default:
	}
}

// result is the outcome of a Lock or Acquire run in a goroutine.
type result struct {
	lost <-chan struct{}
	err  error
}

func TestLockExclusionAndHandOver(t *testing.T) {
	c, _ := liveClient(t)
	l1, err := c.LockOpts(&api.LockOptions{Key: "svc/leader", Value: []byte("one")})
	if err != nil {
		t.Fatal(err)
	}
	lost1, err := l1.Lock(nil)
	if err != nil || lost1 == nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := l1.Lock(nil); err != api.ErrLockHeld {
		t.Fatalf("double lock: %v", err)
	}
	if err := l1.Destroy(); err != api.ErrLockHeld {
		t.Fatalf("destroy while held: %v", err)
	}
	pair, _, err := c.KV().Get("svc/leader", nil)
	if err != nil || pair == nil || pair.Session == "" || pair.Flags != api.LockFlagValue || string(pair.Value) != "one" {
		t.Fatalf("lock key: %+v %v", pair, err)
	}

	// A second holder that tries once fails while the first holds.
	l2, err := c.LockOpts(&api.LockOptions{Key: "svc/leader", LockTryOnce: true, LockWaitTime: tryOnce})
	if err != nil {
		t.Fatal(err)
	}
	if lost, err := l2.Lock(nil); err != nil || lost != nil {
		t.Fatalf("second holder got the lock: %v %v", lost, err)
	}

	// A blocked contender takes over when the first unlocks.
	l3, _ := c.LockKey("svc/leader")
	got := make(chan result, 1)
	go func() {
		lost, err := l3.Lock(nil)
		got <- result{lost, err}
	}()
	assertOpen(t, "lost channel of the holder", lost1)
	if err := l1.Unlock(); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, "lost channel after Unlock", lost1)
	if err := l1.Unlock(); err != api.ErrLockNotHeld {
		t.Fatalf("double unlock: %v", err)
	}
	r := <-got
	if r.err != nil || r.lost == nil {
		t.Fatalf("contender: %v", r.err)
	}
	if err := l1.Destroy(); err != api.ErrLockInUse {
		t.Fatalf("destroy while another holds: %v", err)
	}
	if err := l3.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l3.Destroy(); err != nil {
		t.Fatal(err)
	}
	if p, _, _ := c.KV().Get("svc/leader", nil); p != nil {
		t.Fatalf("key after destroy: %+v", p)
	}
	// The sessions the locks created are gone.
	if sessions, _, err := c.Session().List(nil); err != nil || len(sessions) != 0 {
		t.Fatalf("sessions left: %v %v", sessions, err)
	}
}

func TestLockLostWhenSessionDestroyed(t *testing.T) {
	c, _ := liveClient(t)
	l, _ := c.LockKey("svc/lost")
	lost, err := l.Lock(nil)
	if err != nil {
		t.Fatal(err)
	}
	pair, _, err := c.KV().Get("svc/lost", nil)
	if err != nil || pair == nil {
		t.Fatal(err)
	}
	if _, err := c.Session().Destroy(pair.Session, nil); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, "lost channel after the session was destroyed", lost)
	if err := l.Unlock(); err != nil {
		t.Fatalf("unlock after loss: %v", err)
	}
}

func TestLockStoppedWhileWaiting(t *testing.T) {
	c, _ := liveClient(t)
	l1, _ := c.LockKey("svc/stop")
	if _, err := l1.Lock(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l1.Unlock() })
	l2, _ := c.LockKey("svc/stop")
	stop := make(chan struct{})
	got := make(chan result, 1)
	go func() {
		lost, err := l2.Lock(stop)
		got <- result{lost, err}
	}()
	close(stop)
	if r := <-got; r.err != nil || r.lost != nil {
		t.Fatalf("stopped lock: %v %v", r.lost, r.err)
	}
}

func TestLockAndSemaphoreConflict(t *testing.T) {
	c, _ := liveClient(t)
	if _, err := c.KV().Put(&api.KVPair{Key: "plain", Value: []byte("x")}, nil); err != nil {
		t.Fatal(err)
	}
	l, _ := c.LockKey("plain")
	if _, err := l.Lock(nil); err != api.ErrLockConflict {
		t.Fatalf("lock on a plain key: %v", err)
	}
	s, _ := c.SemaphorePrefix("sem", 2)
	if _, err := s.Acquire(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Release() })
	onSem, _ := c.LockKey("sem/.lock")
	if _, err := onSem.Lock(nil); err != api.ErrLockConflict {
		t.Fatalf("lock on a semaphore key: %v", err)
	}
	other, _ := c.SemaphorePrefix("sem", 3)
	if _, err := other.Acquire(nil); err == nil {
		t.Fatal("a semaphore with another limit acquired")
	}
	if _, err := c.SemaphorePrefix("x", 0); err == nil {
		t.Fatal("limit 0 accepted")
	}
	if _, err := c.LockKey(""); err == nil {
		t.Fatal("empty key accepted")
	}
}

// holders reads the holders recorded in <prefix>/.lock.
func holders(t *testing.T, c *api.Client, prefix string) []string {
	t.Helper()
	pair, _, err := c.KV().Get(prefix+"/.lock", nil)
	if err != nil || pair == nil {
		t.Fatalf("read .lock: %+v %v", pair, err)
	}
	if pair.Flags != api.SemaphoreFlagValue {
		t.Fatalf(".lock flags %#x", pair.Flags)
	}
	var lock struct {
		Limit   int
		Holders map[string]bool
	}
	if err := json.Unmarshal(pair.Value, &lock); err != nil {
		t.Fatal(err)
	}
	var out []string
	for h := range lock.Holders {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

func TestSemaphoreLimitTwoWithThreeContenders(t *testing.T) {
	c, _ := liveClient(t)
	newSem := func(tryOnceWait time.Duration) *api.Semaphore {
		s, err := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: "pool", Limit: 2, Value: []byte("worker"),
			SemaphoreTryOnce: tryOnceWait > 0, SemaphoreWaitTime: tryOnceWait})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := newSem(0), newSem(0)
	lost1, err := s1.Acquire(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Acquire(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Acquire(nil); err != api.ErrSemaphoreHeld {
		t.Fatalf("double acquire: %v", err)
	}
	if got := holders(t, c, "pool"); len(got) != 2 {
		t.Fatalf("holders %v", got)
	}
	if lost, err := newSem(tryOnce).Acquire(nil); err != nil || lost != nil {
		t.Fatalf("third contender got a slot: %v %v", lost, err)
	}

	s3 := newSem(0)
	got := make(chan result, 1)
	go func() {
		lost, err := s3.Acquire(nil)
		got <- result{lost, err}
	}()
	if err := s1.Release(); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, "lost channel after Release", lost1)
	if r := <-got; r.err != nil || r.lost == nil {
		t.Fatalf("third contender: %v", r.err)
	}
	if err := s1.Release(); err != api.ErrSemaphoreNotHeld {
		t.Fatalf("double release: %v", err)
	}
	if got := holders(t, c, "pool"); len(got) != 2 {
		t.Fatalf("holders after hand-over %v", got)
	}
	if err := s1.Destroy(); err != api.ErrSemaphoreInUse {
		t.Fatalf("destroy in use: %v", err)
	}
	for _, s := range []*api.Semaphore{s2, s3} {
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s1.Destroy(); err != nil {
		t.Fatal(err)
	}
	if pairs, _, err := c.KV().List("pool", nil); err != nil || len(pairs) != 0 {
		t.Fatalf("keys left: %v %v", pairs, err)
	}
}

func TestSemaphoreSlotLostWhenSessionDestroyed(t *testing.T) {
	c, _ := liveClient(t)
	s, _ := c.SemaphorePrefix("gone", 1)
	lost, err := s.Acquire(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := holders(t, c, "gone")
	if len(h) != 1 {
		t.Fatalf("holders %v", h)
	}
	if _, err := c.Session().Destroy(h[0], nil); err != nil {
		t.Fatal(err)
	}
	assertClosed(t, "lost channel after the session was destroyed", lost)
	if err := s.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestLockInteropWithConsulClient holds the lock with one client while the
// other tries, both ways: the two implementations exclude each other.
func TestLockInteropWithConsulClient(t *testing.T) {
	c, addr := liveClient(t)
	cc := newConsulClient(t, addr)
	const key = "interop/leader"

	ours, _ := c.LockKey(key)
	if _, err := ours.Lock(nil); err != nil {
		t.Fatal(err)
	}
	theirsTry, _ := cc.LockOpts(&consul.LockOptions{Key: key, LockTryOnce: true, LockWaitTime: tryOnce})
	if lost, err := theirsTry.Lock(nil); err != nil || lost != nil {
		t.Fatalf("official client took a lock Pylon holds: %v %v", lost, err)
	}

	theirs, _ := cc.LockKey(key)
	got := make(chan result, 1)
	go func() {
		lost, err := theirs.Lock(nil)
		got <- result{lost, err}
	}()
	if err := ours.Unlock(); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.err != nil || r.lost == nil {
		t.Fatalf("official client after hand-over: %v", r.err)
	}
	oursTry, _ := c.LockOpts(&api.LockOptions{Key: key, LockTryOnce: true, LockWaitTime: tryOnce})
	if lost, err := oursTry.Lock(nil); err != nil || lost != nil {
		t.Fatalf("Pylon took a lock the official client holds: %v %v", lost, err)
	}
	if err := theirs.Unlock(); err != nil {
		t.Fatal(err)
	}
	lost, err := oursTry.Lock(nil)
	if err != nil || lost == nil {
		t.Fatalf("Pylon after the official client unlocked: %v", err)
	}
	if err := oursTry.Unlock(); err != nil {
		t.Fatal(err)
	}
	// Either side recognises the other's semaphore keys as a conflict.
	sem, _ := cc.SemaphorePrefix("interop/sem", 1)
	if _, err := sem.Acquire(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sem.Release() })
	onSem, _ := c.LockKey("interop/sem/.lock")
	if _, err := onSem.Lock(nil); !errors.Is(err, api.ErrLockConflict) {
		t.Fatalf("Pylon lock on the official semaphore: %v", err)
	}
}

// TestSemaphoreInteropWithConsulClient shares one semaphore of limit 2
// between the two clients: a third contender of either kind is refused.
func TestSemaphoreInteropWithConsulClient(t *testing.T) {
	c, addr := liveClient(t)
	cc := newConsulClient(t, addr)
	ours, _ := c.SemaphorePrefix("shared", 2)
	theirs, _ := cc.SemaphorePrefix("shared", 2)
	if _, err := ours.Acquire(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := theirs.Acquire(nil); err != nil {
		t.Fatal(err)
	}
	theirsThird, _ := cc.SemaphoreOpts(&consul.SemaphoreOptions{Prefix: "shared", Limit: 2, SemaphoreTryOnce: true, SemaphoreWaitTime: tryOnce})
	if lost, err := theirsThird.Acquire(nil); err != nil || lost != nil {
		t.Fatalf("official third contender: %v %v", lost, err)
	}
	oursThird, _ := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: "shared", Limit: 2, SemaphoreTryOnce: true, SemaphoreWaitTime: tryOnce})
	if lost, err := oursThird.Acquire(nil); err != nil || lost != nil {
		t.Fatalf("Pylon third contender: %v %v", lost, err)
	}
	if err := theirs.Release(); err != nil {
		t.Fatal(err)
	}
	oursThird2, _ := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: "shared", Limit: 2, SemaphoreTryOnce: true, SemaphoreWaitTime: tryOnce})
	if lost, err := oursThird2.Acquire(nil); err != nil || lost == nil {
		t.Fatalf("Pylon contender after the official holder left: %v", err)
	}
	for _, s := range []*api.Semaphore{ours, oursThird2} {
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
	}
}
