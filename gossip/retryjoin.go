package gossip

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RetryJoin calls Join until it reaches at least one of addrs, waiting
// interval between attempts (Consul's retry_join with retry_interval and
// retry_max). max is the most attempts; zero tries until ctx is done or the
// pool shuts down. Each failed attempt is logged. It returns how many
// members the successful attempt reached; after the last attempt the error
// wraps ErrRetryJoinGaveUp and the last join error.
func (p *Pool) RetryJoin(ctx context.Context, addrs []string, interval time.Duration, max int) (int, error) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for attempt := 1; ; attempt++ {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("gossip: retry join: %w", ctx.Err())
		case <-p.done:
			return 0, ErrShutdown
		case <-timer.C:
		}
		n, err := p.Join(addrs)
		if err == nil {
			p.log.Info("gossip retry join succeeded", "attempt", attempt, "joined", n)
			return n, nil
		}
		if errors.Is(err, ErrShutdown) {
			return 0, err
		}
		if max > 0 && attempt >= max {
			p.log.Error("gossip retry join gave up", "attempts", attempt, "error", err)
			return 0, fmt.Errorf("%w after %d attempts: %w", ErrRetryJoinGaveUp, attempt, err)
		}
		p.log.Warn("gossip retry join failed", "attempt", attempt, "retry_in", interval, "error", err)
		timer.Reset(interval)
	}
}
