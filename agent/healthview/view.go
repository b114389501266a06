package healthview

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/server/state"
)

// Config tunes a View. Start from DefaultConfig; zero durations and counts
// take the defaults.
type Config struct {
	// Source delivers the events the views follow: dnsview.StoreSource on
	// a server agent, dnsview.ClientSource on a client agent. Required.
	Source dnsview.Source
	// IdleTimeout is how long a key's view lives without a Get before it
	// is dropped with its subscription (default 10m). A dropped view is
	// rebuilt by the next Get for its key, which then waits for a snapshot
	// again. A Get waiting on a view (for its first snapshot or a change)
	// keeps it alive.
	IdleTimeout time.Duration
	// SnapshotTimeout bounds how long the first Gets of a key wait for the
	// view's opening snapshot (default 5s), counted from the view's start;
	// past it Gets fail with ErrNotReady at once until the snapshot comes,
	// and the caller reads elsewhere.
	SnapshotTimeout time.Duration
	// MaxViews caps the live views (default 10000). Each costs a goroutine
	// and a subscription; past the cap Get fails with ErrTooManyViews.
	MaxViews int
	// Logger receives subscription errors; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults over src.
func DefaultConfig(src dnsview.Source) Config {
	return Config{Source: src, IdleTimeout: 10 * time.Minute, SnapshotTimeout: 5 * time.Second, MaxViews: 10000}
}

// View keeps the health lists of the keys asked for. It is safe for
// concurrent use; Close stops its goroutines.
type View struct {
	cfg Config // defaults applied
	log *slog.Logger

	views sync.Map     // key → *keyView; loads are lock-free
	clock atomic.Int64 // coarse time (unix ns) for idle tracking, advanced by the janitor

	mu     sync.Mutex // guards closed and count; serializes view creation with eviction and Close
	closed bool
	count  int // views in the map

	ctx    context.Context // cancelled by Close; parent of every view's context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the janitor and every view goroutine
}

// New returns a view over cfg.Source and starts its janitor, which drops
// idle views.
func New(cfg Config) (*View, error) {
	if cfg.Source == nil {
		return nil, ErrNoSource
	}
	def := DefaultConfig(cfg.Source)
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = def.IdleTimeout
	}
	if cfg.SnapshotTimeout <= 0 {
		cfg.SnapshotTimeout = def.SnapshotTimeout
	}
	if cfg.MaxViews <= 0 {
		cfg.MaxViews = def.MaxViews
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	v := &View{cfg: cfg, log: logger}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	v.clock.Store(time.Now().UnixNano())
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		v.janitor()
	}()
	return v, nil
}

// Close stops every view's subscription and the janitor and waits for
// their goroutines; blocked Gets return. Gets after Close fail with
// ErrClosed.
func (v *View) Close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.wg.Wait()
}

// Get returns the instances of service (its mesh endpoints when connect)
// as the view has them, the index of the last change applied, and the
// view's age: while its stream is up, how far the stream says it trails
// the leader (its server's last contact with the leader, and any silence
// past the heartbeats; zero from the local store), otherwise how long ago
// it was lost. The records are shared: read them, never modify
// them.
//
// The first Get of a key starts its view and waits for the opening
// snapshot, at most Config.SnapshotTimeout after the view started
// (ErrNotReady past it). With
// minIndex > 0 Get is a blocking query on the view: it returns once the
// index differs from minIndex, or when wait runs out or ctx ends, with
// what the view has then.
func (v *View) Get(ctx context.Context, service string, connect bool, minIndex uint64, wait time.Duration) (
	nodes []state.CheckServiceNode, index uint64, age time.Duration, err error) {
	if service == "" {
		return nil, 0, 0, ErrNoService
	}
	k := key{connect: connect, name: strings.ToLower(service)}
	var kv *keyView
	var r *result
	for alive := false; !alive; {
		if got, ok := v.views.Load(k); ok {
			kv = got.(*keyView)
		} else if kv, err = v.create(k); err != nil {
			return nil, 0, 0, err
		}
		kv.touch(v.clock.Load())
		r, alive = kv.first(ctx, v.cfg.SnapshotTimeout)
	}
	if r == nil {
		if err := ctx.Err(); err != nil {
			return nil, 0, 0, err
		}
		return nil, 0, 0, ErrNotReady
	}
	if minIndex > 0 && wait > 0 {
		r = kv.block(ctx, r, minIndex, time.Now().Add(wait))
		kv.touch(v.clock.Load())
	}
	return r.nodes, r.index, kv.age(), nil
}

// create returns the view of k, starting it unless another Get just did.
func (v *View) create(k key) (*keyView, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if got, ok := v.views.Load(k); ok {
		return got.(*keyView), nil
	}
	if v.closed {
		return nil, ErrClosed
	}
	if v.count >= v.cfg.MaxViews {
		v.log.Warn("health view limit reached", "service", k.name, "max_views", v.cfg.MaxViews)
		return nil, ErrTooManyViews
	}
	ctx, cancel := context.WithCancel(v.ctx)
	kv := newKeyView(k, cancel, v.clock.Load())
	v.views.Store(k, kv)
	v.count++
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		kv.run(ctx, v.cfg.Source, v.log)
	}()
	return kv, nil
}

// janitor advances the coarse clock and drops idle views until Close.
func (v *View) janitor() {
	t := time.NewTicker(janitorInterval(v.cfg.IdleTimeout))
	defer t.Stop()
	for {
		select {
		case <-v.ctx.Done():
			return
		case now := <-t.C:
			v.clock.Store(now.UnixNano())
			v.evictIdle(now.Add(-v.cfg.IdleTimeout).UnixNano())
		}
	}
}

// janitorInterval is the clock's resolution: a quarter of the idle
// timeout, at most a minute, so a view lives at most that much longer
// than IdleTimeout.
func janitorInterval(idle time.Duration) time.Duration {
	return min(max(idle/4, time.Millisecond), time.Minute)
}

// evictIdle drops the views last used before cutoff that no Get is
// blocked on. A Get that loaded one of them just before still gets its
// last answer.
func (v *View) evictIdle(cutoff int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.views.Range(func(k, val any) bool {
		kv := val.(*keyView)
		if kv.lastUsed.Load() < cutoff && kv.waiters.Evict() {
			v.views.Delete(k)
			v.count--
			kv.cancel()
		}
		return true
	})
}

// Len is the number of live views.
func (v *View) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count
}
