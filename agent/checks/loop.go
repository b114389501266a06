package checks

import (
	"context"
	"sync"
)

// loop is the start-once, stop-and-wait lifecycle every runner shares.
type loop struct {
	startOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
}

func newLoop() *loop {
	ctx, cancel := context.WithCancel(context.Background())
	return &loop{ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// start runs fn on a new goroutine the first time it is called; fn must
// return once ctx is done.
func (l *loop) start(fn func(ctx context.Context)) {
	l.startOnce.Do(func() {
		go func() {
			defer close(l.done)
			fn(l.ctx)
		}()
	})
}

// stop cancels the loop and waits for fn to return. Called before start,
// it makes start a no-op.
func (l *loop) stop() {
	l.cancel()
	l.startOnce.Do(func() { close(l.done) })
	<-l.done
}
