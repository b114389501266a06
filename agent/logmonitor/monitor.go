package logmonitor

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
)

// Hub holds the watchers of one agent's logs. It is safe for concurrent
// use.
type Hub struct {
	mu       sync.Mutex
	watchers map[*Watcher]struct{}
	// min is the finest level any watcher wants, math.MaxInt64 without
	// watchers: the only thing the logging path reads when nobody watches.
	min atomic.Int64
}

// NewHub returns a hub without watchers.
func NewHub() *Hub {
	h := &Hub{watchers: map[*Watcher]struct{}{}}
	h.min.Store(math.MaxInt64)
	return h
}

// Watcher receives the log lines at or above its level.
type Watcher struct {
	level   slog.Level
	base    slog.Handler
	lines   chan []byte
	dropped atomic.Int64
}

// Lines delivers one formatted log line (ending in a newline) at a time.
func (w *Watcher) Lines() <-chan []byte { return w.lines }

// Dropped is how many lines the watcher lost for being behind.
func (w *Watcher) Dropped() int64 { return w.dropped.Load() }

// Write takes one line from the watcher's handler; a full buffer drops it.
func (w *Watcher) Write(p []byte) (int, error) {
	select {
	case w.lines <- bytes.Clone(p):
	default:
		w.dropped.Add(1)
	}
	return len(p), nil
}

// Watch adds a watcher of the records at level and above, formatted as
// JSON lines or as text, buffering up to buffer lines.
func (h *Hub) Watch(level slog.Level, json bool, buffer int) *Watcher {
	w := &Watcher{level: level, lines: make(chan []byte, buffer)}
	opts := &slog.HandlerOptions{Level: level}
	if json {
		w.base = slog.NewJSONHandler(w, opts)
	} else {
		w.base = slog.NewTextHandler(w, opts)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers[w] = struct{}{}
	h.updateMin()
	return w
}

// Stop removes a watcher; its channel gets no more lines.
func (h *Hub) Stop(w *Watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.watchers, w)
	h.updateMin()
}

func (h *Hub) updateMin() {
	finest := int64(math.MaxInt64)
	for w := range h.watchers {
		finest = min(finest, int64(w.level))
	}
	h.min.Store(finest)
}

// wants reports whether some watcher wants records at level l.
func (h *Hub) wants(l slog.Level) bool { return int64(l) >= h.min.Load() }

// publish hands r to every watcher that wants it, through the attributes
// and groups the logger that made it was derived with.
func (h *Hub) publish(ctx context.Context, r slog.Record, derive []func(slog.Handler) slog.Handler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		if r.Level < w.level {
			continue
		}
		hd := w.base
		for _, d := range derive {
			hd = d(hd)
		}
		_ = hd.Handle(ctx, r.Clone())
	}
}

// Handler returns a handler that logs to inner as before and also to the
// hub's watchers.
func (h *Hub) Handler(inner slog.Handler) slog.Handler { return &handler{inner: inner, hub: h} }

type handler struct {
	inner  slog.Handler
	hub    *Hub
	derive []func(slog.Handler) slog.Handler // WithAttrs and WithGroup, in order
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l) || h.hub.wants(l)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.inner.Enabled(ctx, r.Level) {
		err = h.inner.Handle(ctx, r)
	}
	if h.hub.wants(r.Level) {
		h.hub.publish(ctx, r, h.derive)
	}
	return err
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return h.with(h.inner.WithAttrs(as), func(x slog.Handler) slog.Handler { return x.WithAttrs(as) })
}

func (h *handler) WithGroup(name string) slog.Handler {
	return h.with(h.inner.WithGroup(name), func(x slog.Handler) slog.Handler { return x.WithGroup(name) })
}

func (h *handler) with(inner slog.Handler, d func(slog.Handler) slog.Handler) slog.Handler {
	derive := append(append([]func(slog.Handler) slog.Handler{}, h.derive...), d)
	return &handler{inner: inner, hub: h.hub, derive: derive}
}

// ParseLevel maps Consul's log level names (trace, debug, info, warn,
// err) to slog's levels.
func ParseLevel(name string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "trace":
		return slog.LevelDebug - 4, true
	case "debug":
		return slog.LevelDebug, true
	case "info", "":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "err", "error":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}
