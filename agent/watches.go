package agent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/api/watch"
)

// watchOutputLimit bounds the script handler output kept for the log.
const watchOutputLimit = 4 << 10

// watchRunner runs the watches of the config files against the agent's
// own HTTP API, and replaces them all on reload, as Consul does.
type watchRunner struct {
	mu     sync.Mutex
	plans  []*watch.Plan  // guarded by mu
	client *api.Client    // guarded by mu; nil until the first watch starts
	closed bool           // guarded by mu; set by stop, no watch starts after
	wg     sync.WaitGroup // one per running plan
}

// startWatches runs cfg's watches. Called once the HTTP listener is up.
func (a *Agent) startWatches(cfg *config.Runtime) {
	a.watches.replace(a, cfg.Watches)
}

// reloadWatches replaces the running watches with those of cfg when the
// reload that built cfg took effect. It runs without a.mu held: stopping
// a watch waits for its handler, and a handler may call this agent.
func (a *Agent) reloadWatches(cfg *config.Runtime) {
	if a.config() == cfg {
		a.watches.replace(a, cfg.Watches)
	}
}

// stopWatches stops every watch and waits for them; none starts after.
func (a *Agent) stopWatches() {
	a.watches.mu.Lock()
	defer a.watches.mu.Unlock()
	a.watches.closed = true
	a.watches.stopLocked()
	if a.watches.client != nil {
		a.watches.client.Config().HttpClient.CloseIdleConnections()
	}
}

// replace stops the running watches, waits for them, and starts defs.
func (w *watchRunner) replace(a *Agent, defs []map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
	if w.closed || len(defs) == 0 {
		return
	}
	logger := a.logger.With("subsystem", "watch")
	if w.client == nil {
		c, err := watchClient(a.HTTPAddr())
		if err != nil {
			logger.Error("watches not started", "error", err)
			return
		}
		w.client = c
	}
	for i, def := range defs {
		p, err := watch.Parse(def)
		if err != nil { // config.Load checked them; this is a bug
			logger.Error("watch not started", "watch", i, "error", err)
			continue
		}
		p.Logger = logger.With("watch_type", p.Type)
		if p.Script != nil {
			p.Handler = logOutput(p.Script, p.Logger)
		}
		w.plans = append(w.plans, p)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			if err := p.Run(context.Background(), w.client); err != nil {
				p.Logger.Error("watch stopped", "error", err)
			}
		}()
	}
	logger.Info("watches started", "count", len(w.plans))
}

// stopLocked stops the running plans and waits for them. Called with mu.
func (w *watchRunner) stopLocked() {
	for _, p := range w.plans {
		p.Stop()
	}
	w.wg.Wait()
	w.plans = nil
}

// watchClient returns a client for the agent's own HTTP address; a
// wildcard listener is reached on loopback.
func watchClient(httpAddr string) (*api.Client, error) {
	if httpAddr == "" {
		return nil, fmt.Errorf("watches need the HTTP API, which is off")
	}
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return nil, fmt.Errorf("http address %q: %w", httpAddr, err)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.Is6() {
			host = "::1"
		}
	}
	return api.NewClient(&api.Config{Address: net.JoinHostPort(host, port)})
}

// logOutput runs a script handler with its output captured (up to
// watchOutputLimit) and logged at debug level, as the agent has no
// terminal to pass it to.
func logOutput(s *watch.ScriptHandler, logger *slog.Logger) watch.HandlerFunc {
	return func(ctx context.Context, idx uint64, result any) error {
		out := &limitedBuffer{max: watchOutputLimit}
		h := *s
		h.Stdout, h.Stderr = out, out
		err := h.Handle(ctx, idx, result)
		logger.Debug("watch handler ran", "handler", s.String(), "index", idx, "output", out.String())
		return err
	}
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
