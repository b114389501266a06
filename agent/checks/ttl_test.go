package checks

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// newTestTTL builds a ttl runner through New.
func newTestTTL(t *testing.T, def *config.CheckDefinition) (*TTL, *recorder) {
	t.Helper()
	rec := &recorder{}
	r, err := New("web-ttl", def, rec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ttl, ok := r.(*TTL)
	if !ok {
		t.Fatalf("New returned %T for a ttl check", r)
	}
	t.Cleanup(ttl.Stop)
	return ttl, rec
}

func TestTTLExpires(t *testing.T) {
	ttl, rec := newTestTTL(t, &config.CheckDefinition{TTL: 30 * time.Millisecond})
	ttl.Start()
	if u := waitStatus(t, rec, critical); u.output != "TTL expired" || u.checkID != "web-ttl" {
		t.Fatalf("update %+v", u)
	}
	// Updating revives it, and it expires again.
	if err := ttl.SetStatus(passing, "back"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a second expiry", func() bool {
		return len(rec.all()) == 3
	})
	want := []update{
		{"web-ttl", critical, "TTL expired"},
		{"web-ttl", passing, "back"},
		{"web-ttl", critical, "TTL expired"},
	}
	if got := rec.all(); !slices.Equal(got, want) {
		t.Fatalf("updates %v, want %v", got, want)
	}
}

func TestTTLSetStatusPushesTheDeadline(t *testing.T) {
	ttl, rec := newTestTTL(t, &config.CheckDefinition{TTL: time.Hour})
	ttl.Start()
	if err := ttl.SetStatus(warning, "slow"); err != nil {
		t.Fatal(err)
	}
	if wait, expired := ttl.expire(); expired || wait < 59*time.Minute {
		t.Fatalf("expire() = %v, %v right after an update", wait, expired)
	}
	// Move the deadline into the past, as if the hour had gone by.
	ttl.mu.Lock()
	ttl.deadline = time.Now().Add(-time.Second)
	ttl.mu.Unlock()
	if _, expired := ttl.expire(); !expired {
		t.Fatal("not expired after the deadline")
	}
	if _, expired := ttl.expire(); !expired {
		t.Fatal("a second look un-expired it")
	}
	want := []update{{"web-ttl", warning, "slow"}, {"web-ttl", critical, "TTL expired"}}
	if got := rec.all(); !slices.Equal(got, want) {
		t.Fatalf("updates %v, want %v", got, want)
	}
}

func TestTTLSetStatus(t *testing.T) {
	ttl, rec := newTestTTL(t, &config.CheckDefinition{TTL: time.Hour, OutputMaxSize: 8})
	for _, s := range []string{passing, warning, critical} {
		if err := ttl.SetStatus(s, s+" output"); err != nil {
			t.Fatalf("SetStatus(%q): %v", s, err)
		}
		if u, _ := rec.last(); u.status != s || u.output != truncate(s+" output", 8) {
			t.Fatalf("update %+v after SetStatus(%q)", u, s)
		}
	}
	for _, s := range []string{"", "maintenance", "PASSING", "ok"} {
		if err := ttl.SetStatus(s, ""); !errors.Is(err, ErrInvalidStatus) {
			t.Fatalf("SetStatus(%q) = %v, want ErrInvalidStatus", s, err)
		}
	}
	if n := len(rec.all()); n != 3 {
		t.Fatalf("%d updates, want 3", n)
	}
}

func TestTTLStopBeforeExpiry(t *testing.T) {
	ttl, rec := newTestTTL(t, &config.CheckDefinition{TTL: time.Hour})
	ttl.Start()
	ttl.Stop()
	ttl.Stop()
	if got := rec.all(); len(got) != 0 {
		t.Fatalf("updates %v after a stop", got)
	}
	if err := ttl.SetStatus(passing, strings.Repeat("x", 3)); err != nil {
		t.Fatal(err)
	}
}
