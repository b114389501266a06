package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
)

func TestLoopState(t *testing.T) {
	type step struct {
		idx      uint64
		result   string
		fire     bool
		nextWait uint64
	}
	cases := []struct {
		name    string
		ordered bool
		steps   []step
	}{
		{"first result always fires", true, []step{{5, "a", true, 5}}},
		{"same index does not fire", true, []step{{5, "a", true, 5}, {5, "a", false, 5}}},
		{"new index, new result fires", true, []step{{5, "a", true, 5}, {7, "b", true, 7}}},
		{"new index, same result does not fire", true, []step{{5, "a", true, 5}, {7, "a", false, 7}}},
		{"index 0 counts as 1", true, []step{{0, "a", true, 1}, {0, "a", false, 1}}},
		{"backwards resets to 0", true, []step{{9, "a", true, 9}, {4, "b", true, 0}, {4, "b", false, 4}, {6, "c", true, 6}}},
		{"backwards, same result", true, []step{{9, "a", true, 9}, {4, "a", false, 0}, {4, "a", false, 4}}},
		{"hash index never goes back", false, []step{{9, "a", true, 9}, {4, "b", true, 4}, {4, "b", false, 4}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var st loopState
			for i, s := range tc.steps {
				if got := st.next(s.idx, s.result, tc.ordered); got != s.fire || st.wait != s.nextWait {
					t.Fatalf("step %d (%d, %q): fire %v wait %d, want fire %v wait %d", i, s.idx, s.result, got, st.wait, s.fire, s.nextWait)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		n      int
		lo, hi time.Duration
		want   time.Duration
	}{
		{1, time.Second, time.Minute, time.Second},
		{2, time.Second, time.Minute, 2 * time.Second},
		{4, time.Second, time.Minute, 8 * time.Second},
		{7, time.Second, time.Minute, time.Minute},
		{1000, time.Second, time.Minute, time.Minute},
		{3, 0, 0, 4 * DefaultRetryMin},
		{1000, 0, 0, DefaultRetryMax},
		{2, time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond},
	}
	for _, tc := range cases {
		if got := backoff(tc.n, tc.lo, tc.hi); got != tc.want {
			t.Errorf("backoff(%d, %s, %s) = %s, want %s", tc.n, tc.lo, tc.hi, got, tc.want)
		}
	}
}

func mustParse(t *testing.T, def map[string]any) *Plan {
	t.Helper()
	p, err := Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Config().HttpClient.CloseIdleConnections)
	return c
}

func TestRunWithoutHandler(t *testing.T) {
	p := mustParse(t, map[string]any{"type": "nodes"})
	if err := p.Run(context.Background(), newClient(t, "127.0.0.1:1")); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("Run = %v, want ErrNoHandler", err)
	}
}

func TestStopBeforeRun(t *testing.T) {
	p := mustParse(t, map[string]any{"type": "nodes"})
	p.Handler = func(context.Context, uint64, any) error { t.Error("handler called"); return nil }
	p.Stop()
	if !p.IsStopped() {
		t.Fatal("IsStopped = false after Stop")
	}
	if err := p.Run(context.Background(), newClient(t, "127.0.0.1:1")); err != nil {
		t.Fatalf("Run after Stop = %v", err)
	}
}

// TestStopDuringBackoff: against an address nothing listens on, the loop
// backs off; Stop (and the end of the context) end it during the wait.
func TestStopDuringBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, how := range []string{"stop", "context"} {
		t.Run(how, func(t *testing.T) {
			p := mustParse(t, map[string]any{"type": "services"})
			p.Handler = func(context.Context, uint64, any) error { return nil }
			p.RetryMin, p.RetryMax = time.Hour, time.Hour
			failed := make(chan struct{}, 1)
			p.Logger = logTo(func(msg string) {
				if msg == "watch query failed" {
					select {
					case failed <- struct{}{}:
					default:
					}
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, newClient(t, addr)) }()
			<-failed
			if how == "stop" {
				p.Stop()
			} else {
				cancel()
			}
			if err := <-done; err != nil {
				t.Fatalf("Run = %v", err)
			}
		})
	}
}

// indexAgent answers /v1/catalog/services with a scripted sequence of
// indexes and results, recording the ?index= of each request. It stands
// in for an agent whose index goes backwards (a restored snapshot), which
// a single live agent cannot be made to do.
type indexAgent struct {
	mu      sync.Mutex
	replies []reply
	asked   []string
	parked  chan struct{} // closed when the script has run out
}

type reply struct {
	index   uint64
	service string
}

func (a *indexAgent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.asked = append(a.asked, r.URL.Query().Get("index"))
	if len(a.replies) == 0 {
		a.mu.Unlock()
		close(a.parked)
		<-r.Context().Done() // block like a query with nothing new
		return
	}
	rep := a.replies[0]
	a.replies = a.replies[1:]
	a.mu.Unlock()
	w.Header().Set("X-Consul-Index", strconv.FormatUint(rep.index, 10))
	fmt.Fprintf(w, `{%q: []}`, rep.service)
}

func TestIndexGoingBackwardsStartsOver(t *testing.T) {
	fa := &indexAgent{parked: make(chan struct{}), replies: []reply{
		{10, "a"}, // first: handler
		{10, "a"}, // same index (wait timed out): nothing
		{12, "a"}, // new index, same content: nothing
		{3, "b"},  // backwards: handler, and the next query does not block
		{3, "b"},  // the query at index 0: same content, nothing
		{4, "c"},  // forwards again: handler
	}}
	srv := httptest.NewServer(fa)
	defer srv.Close()
	p := mustParse(t, map[string]any{"type": "services"})
	var got []string
	p.Handler = func(_ context.Context, idx uint64, result any) error {
		for name := range result.(map[string][]string) {
			got = append(got, fmt.Sprintf("%d:%s", idx, name))
		}
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), newClient(t, srv.Listener.Addr().String())) }()
	<-fa.parked
	p.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := []string{"10:a", "3:b", "4:c"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("handler saw %v, want %v", got, want)
	}
	wantAsked := []string{"", "10", "10", "12", "", "3", "4"}
	if fmt.Sprint(fa.asked) != fmt.Sprint(wantAsked) {
		t.Fatalf("queries asked index %q, want %q", fa.asked, wantAsked)
	}
}
