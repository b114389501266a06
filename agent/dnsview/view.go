package dnsview

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// Config tunes a View. Start from DefaultConfig; zero durations and counts
// take the defaults.
type Config struct {
	// Datacenter is the local datacenter, the only one the view knows.
	// Required.
	Datacenter string
	// IdleTimeout is how long a service view lives without a query before
	// it is dropped with its subscription (default 10m). A dropped view is
	// rebuilt by the next query for its name, which then waits for a
	// snapshot again.
	IdleTimeout time.Duration
	// SnapshotTimeout bounds how long the first queries for a name wait for
	// the view's opening snapshot (default 1s); past it they answer with
	// what the view has, which may be nothing.
	SnapshotTimeout time.Duration
	// MaxViews caps the live service and connect views (default 10000).
	// Each costs a goroutine and a subscription, so a client asking for
	// many distinct names must not create them without bound; lookups of
	// new names past the cap read the store directly instead.
	MaxViews int
	// Source delivers the events the service and connect views follow;
	// nil subscribes to the store given to New (StoreSource). A client
	// agent streams them from its servers (ClientSource). Node lookups,
	// prepared queries and lookups past MaxViews still read the store.
	Source Source
	// Queries runs prepared queries for <name>.query lookups; nil
	// answers them NXDOMAIN.
	Queries QueryRunner
	// Nodes reads a node for <node>.node lookups where the store does not
	// have it: a client agent asks its servers. nil reads the store only.
	// It returns nil for an unknown node.
	Nodes func(name string) (*state.Node, error)
	// Reverse finds the node and the service instances with an address
	// for reverse (PTR) lookups the store cannot answer; nil on servers,
	// whose store has every node. A client agent asks its servers.
	Reverse func(addr netip.Addr) (*state.AddressMatches, error)
	// Logger receives subscription errors; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults for datacenter dc.
func DefaultConfig(dc string) Config {
	return Config{Datacenter: dc, IdleTimeout: 10 * time.Minute, SnapshotTimeout: time.Second, MaxViews: 10000}
}

// View is a dns.Catalog over a state store. It is safe for concurrent use;
// Close stops its goroutines.
type View struct {
	store *state.Store
	src   Source // cfg.Source, or the store's
	cfg   Config // defaults applied
	dc    string // cfg.Datacenter in lower case
	log   *slog.Logger

	views sync.Map     // viewKey → *serviceView; loads are lock-free
	clock atomic.Int64 // coarse time (unix ns) for idle tracking, advanced by the janitor
	addrs addrCache

	mu     sync.Mutex // guards closed and count; serializes view creation with eviction and Close
	closed bool
	count  int // views in the map

	ctx    context.Context // cancelled by Close; parent of every view's context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the janitor and every view goroutine
}

var _ dns.Catalog = (*View)(nil)

// New returns a view over store and starts its janitor, which drops idle
// service views.
func New(store *state.Store, cfg Config) (*View, error) {
	if cfg.Datacenter == "" {
		return nil, ErrNoDatacenter
	}
	if store == nil {
		return nil, ErrNoStore
	}
	def := DefaultConfig(cfg.Datacenter)
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
	src := cfg.Source
	if src == nil {
		src = StoreSource(store)
	}
	v := &View{store: store, src: src, cfg: cfg, dc: strings.ToLower(cfg.Datacenter), log: logger}
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
// their goroutines. Lookups after Close find no services.
func (v *View) Close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.wg.Wait()
}

// ServiceInstances implements dns.Catalog from the service's view.
func (v *View) ServiceInstances(dc, service string) []dns.Instance {
	return v.instances(dc, service, false)
}

// ConnectInstances implements dns.Catalog from the service's connect view.
func (v *View) ConnectInstances(dc, service string) []dns.Instance {
	return v.instances(dc, service, true)
}

func (v *View) local(dc string) bool {
	return dc == v.dc || strings.EqualFold(dc, v.dc)
}

// instances is the lookup path: a lock-free map load and an atomic pointer
// load once the name's view exists; creating it is the slow path.
func (v *View) instances(dc, name string, connect bool) []dns.Instance {
	if name == "" || !v.local(dc) {
		return nil
	}
	k := viewKey{connect: connect, name: strings.ToLower(name)}
	for {
		var sv *serviceView
		if got, ok := v.views.Load(k); ok {
			sv = got.(*serviceView)
		} else if sv = v.create(k); sv == nil {
			return v.readStore(k)
		}
		sv.touch(v.clock.Load())
		if insts, alive := sv.wait(v.cfg.SnapshotTimeout); alive {
			return insts
		}
	}
}

// create returns the view of k, starting it unless another query just
// did. It returns nil after Close or when MaxViews views exist.
func (v *View) create(k viewKey) *serviceView {
	v.mu.Lock()
	defer v.mu.Unlock()
	if got, ok := v.views.Load(k); ok {
		return got.(*serviceView)
	}
	if v.closed {
		return nil
	}
	if v.count >= v.cfg.MaxViews {
		v.log.Warn("dns view limit reached, reading the store", "service", k.name, "max_views", v.cfg.MaxViews)
		return nil
	}
	ctx, cancel := context.WithCancel(v.ctx)
	sv := newServiceView(k, cancel, v.clock.Load())
	v.views.Store(k, sv)
	v.count++
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		sv.run(ctx, v.src, v.dc, v.log)
	}()
	return sv
}

// readStore answers a lookup without a view: after Close (nothing) or past
// MaxViews (one store read, converted for this query only).
func (v *View) readStore(k viewKey) []dns.Instance {
	v.mu.Lock()
	closed := v.closed
	v.mu.Unlock()
	if closed {
		return nil
	}
	_, csns, err := v.store.CheckServiceNodes(nil, k.name, k.connect)
	if err != nil {
		v.log.Warn("dns view store read failed", "service", k.name, "connect", k.connect, "error", err)
		return nil
	}
	out := make([]dns.Instance, len(csns))
	for i := range csns {
		out[i] = instanceOf(&csns[i], v.dc)
	}
	return out
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

// evictIdle drops the views last queried before cutoff that no query
// waits on. A query that loaded one of them just before still gets its
// last answer.
func (v *View) evictIdle(cutoff int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.views.Range(func(k, val any) bool {
		sv := val.(*serviceView)
		if sv.lastUsed.Load() < cutoff && sv.waiters.Evict() {
			v.views.Delete(k)
			v.count--
			sv.cancel()
		}
		return true
	})
}

// viewCount is the number of live views, for tests.
func (v *View) viewCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count
}
