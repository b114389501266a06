package watch

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/pylonmesh/pylon/api"
)

// Back-off defaults between failed queries.
const (
	DefaultRetryMin = time.Second
	DefaultRetryMax = time.Minute
)

// HandlerFunc is called with the index and the result of each change. It
// runs on the watch's goroutine: the next query waits for it. ctx ends
// when the watch stops.
type HandlerFunc func(ctx context.Context, index uint64, result any) error

// Plan is one watch. Parse makes it; set Handler, Logger or the tuning
// fields before Run. A Plan runs once: after Stop, Run returns at once.
type Plan struct {
	// Type is the watch type: key, keyprefix, services, nodes, service,
	// checks or event.
	Type string
	// Datacenter and Token override the client's for this watch's queries.
	Datacenter string
	Token      string

	// HandlerType is "script" or "http" when the definition named a
	// handler, "" when it did not. Script or HTTP is set to match.
	HandlerType string
	Script      *ScriptHandler
	HTTP        *HTTPHandler

	// Handler, when set, is called instead of Script or HTTP.
	Handler HandlerFunc

	// Logger receives query and handler failures; nil means slog.Default.
	Logger *slog.Logger

	// RetryMin is the wait after the first failed query, doubled after
	// each further failure up to RetryMax. Zero means the defaults.
	RetryMin, RetryMax time.Duration

	// WaitTime is the ?wait= of each blocking query; zero lets the agent
	// use its default (five minutes).
	WaitTime time.Duration

	kind  kind
	query query

	mu      sync.Mutex
	stopped bool
	cancel  context.CancelFunc // of the running loop; nil before Run
}

// Run follows the watch through c until ctx ends or Stop is called. The
// handler sees the first result, then every result whose index changed
// and whose content differs from the last one handed on. Query failures
// are logged and retried; handler failures are logged. Run returns nil
// when stopped, ErrNoHandler when there is nothing to call.
func (p *Plan) Run(ctx context.Context, c *api.Client) error {
	handle := p.handlerFunc()
	if handle == nil {
		return ErrNoHandler
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !p.begin(cancel) {
		return nil
	}
	if p.HTTP != nil && p.Handler == nil {
		defer p.HTTP.CloseIdleConnections()
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	var st loopState
	failures := 0
	for {
		idx, result, err := p.kind.fetch(c, &p.query, p.queryOptions(st.wait).WithContext(ctx))
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			d := backoff(failures, p.RetryMin, p.RetryMax)
			log.Warn("watch query failed", "type", p.Type, "error", err, "retry_in", d)
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		failures = 0
		if !st.next(idx, result, !p.kind.hashIndex) {
			continue
		}
		if err := handle(ctx, idx, result); err != nil && ctx.Err() == nil {
			log.Error("watch handler failed", "type", p.Type, "index", idx, "error", err)
		}
	}
}

// Stop ends Run (now or, if Run has not started, as soon as it does) and
// kills a running script handler. It does not wait; it may be called from
// the handler.
func (p *Plan) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.cancel != nil {
		p.cancel()
	}
}

// IsStopped reports whether Stop was called.
func (p *Plan) IsStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// begin records the loop's cancel function; false means already stopped.
func (p *Plan) begin(cancel context.CancelFunc) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	p.cancel = cancel
	return true
}

func (p *Plan) handlerFunc() HandlerFunc {
	switch {
	case p.Handler != nil:
		return p.Handler
	case p.Script != nil:
		return p.Script.Handle
	case p.HTTP != nil:
		return p.HTTP.Handle
	}
	return nil
}

func (p *Plan) queryOptions(waitIndex uint64) *api.QueryOptions {
	return &api.QueryOptions{
		Datacenter: p.Datacenter, Token: p.Token,
		WaitIndex: waitIndex, WaitTime: p.WaitTime,
		AllowStale: p.query.stale, Filter: p.query.filter,
	}
}

// loopState is what the loop remembers between queries.
type loopState struct {
	started bool
	wait    uint64 // index the next query blocks on
	last    any    // result last handed to the handler
}

// next records a query result and reports whether the handler must see
// it. An index never counts as 0 (a query at 0 does not block); an
// ordered index that goes backwards is reset to 0 so the next query
// returns at once with the current view.
func (s *loopState) next(idx uint64, result any, ordered bool) bool {
	idx = max(idx, 1)
	if s.started && idx == s.wait {
		return false
	}
	if ordered && s.started && idx < s.wait {
		s.wait = 0
	} else {
		s.wait = idx
	}
	if s.started && reflect.DeepEqual(result, s.last) {
		return false
	}
	s.started, s.last = true, result
	return true
}

// backoff is the wait after the n-th consecutive failure (n >= 1): lo,
// doubled per further failure, capped at hi.
func backoff(n int, lo, hi time.Duration) time.Duration {
	if lo <= 0 {
		lo = DefaultRetryMin
	}
	if hi <= 0 {
		hi = DefaultRetryMax
	}
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// sleep waits d, returning false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
