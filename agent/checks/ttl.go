package checks

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// ttlExpiredOutput is the output of a TTL check that was not updated in time.
const ttlExpiredOutput = "TTL expired"

// TTL is the runner of a ttl check. The application reports its health
// through the agent, which calls SetStatus; when no update arrives within
// the TTL (counted from Start or from the last update) the check turns
// critical with the output "TTL expired". New returns a *TTL for ttl
// checks.
type TTL struct {
	*loop
	checkID string
	ttl     time.Duration
	n       Notifier
	log     *slog.Logger
	maxOut  int
	reset   chan struct{}

	mu       sync.Mutex // orders notifications; guards the fields below
	deadline time.Time  // zero until Start or the first SetStatus
	expired  bool
}

var _ Runner = (*TTL)(nil)

func newTTL(checkID string, def *config.CheckDefinition, n Notifier, log *slog.Logger) *TTL {
	return &TTL{
		loop:    newLoop(),
		checkID: checkID,
		ttl:     def.TTL,
		n:       n,
		log:     log,
		maxOut:  outputMaxSize(def),
		reset:   make(chan struct{}, 1),
	}
}

// Start implements Runner: the TTL starts counting.
func (t *TTL) Start() {
	t.mu.Lock()
	if t.deadline.IsZero() {
		t.deadline = time.Now().Add(t.ttl)
	}
	t.mu.Unlock()
	t.start(t.run)
}

// Stop implements Runner.
func (t *TTL) Stop() { t.stop() }

// SetStatus records an update from the application: status must be
// passing, warning or critical; output is cut to output_max_size. The
// Notifier hears of it at once and the TTL starts over.
func (t *TTL) SetStatus(status, output string) error {
	switch status {
	case passing, warning, critical:
	default:
		return fmt.Errorf("ttl check %q: %w %q", t.checkID, ErrInvalidStatus, status)
	}
	t.mu.Lock()
	t.deadline = time.Now().Add(t.ttl)
	t.expired = false
	t.n.UpdateCheck(t.checkID, status, truncate(output, t.maxOut))
	t.mu.Unlock()
	select {
	case t.reset <- struct{}{}:
	default:
	}
	return nil
}

func (t *TTL) run(ctx context.Context) {
	timer := time.NewTimer(t.untilDeadline())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.reset:
			timer.Reset(t.untilDeadline())
		case <-timer.C:
			if wait, expired := t.expire(); !expired {
				timer.Reset(wait)
			}
		}
	}
}

func (t *TTL) untilDeadline() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Until(t.deadline)
}

// expire turns the check critical if its deadline has passed and it has
// not expired already. Otherwise it returns the time left: an update
// may have raced with the timer.
func (t *TTL) expire() (wait time.Duration, expired bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if left := time.Until(t.deadline); left > 0 {
		return left, false
	}
	if !t.expired {
		t.expired = true
		t.log.Info("check status changed", "status", critical, "output", ttlExpiredOutput)
		t.n.UpdateCheck(t.checkID, critical, ttlExpiredOutput)
	}
	return 0, true
}
