package logmonitor

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestWatchersGetTheirLevelAndFormat: the agent logs at warn; a debug
// watcher still sees debug lines, with the logger's attributes and
// groups, an error watcher only errors, and the agent's own output is
// unchanged.
func TestWatchersGetTheirLevelAndFormat(t *testing.T) {
	var own bytes.Buffer
	hub := NewHub()
	logger := slog.New(hub.Handler(slog.NewTextHandler(&own, &slog.HandlerOptions{Level: slog.LevelWarn})))
	sub := logger.With("subsystem", "raft").WithGroup("g")

	sub.Debug("before anyone watches")
	debug := hub.Watch(slog.LevelDebug, true, 16)
	errs := hub.Watch(slog.LevelError, false, 16)
	sub.Debug("elected", "term", 3)
	logger.Error("disk full")

	if got := own.String(); strings.Contains(got, "elected") || strings.Contains(got, "before") || !strings.Contains(got, "disk full") {
		t.Fatalf("the agent's own output changed: %q", got)
	}
	var rec map[string]any
	if err := json.Unmarshal(<-debug.Lines(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "elected" || rec["subsystem"] != "raft" || rec["g"].(map[string]any)["term"] != 3.0 {
		t.Fatalf("debug watcher's first line = %v, want elected with subsystem and group", rec)
	}
	if line := string(<-debug.Lines()); !strings.Contains(line, `"disk full"`) {
		t.Fatalf("debug watcher's second line = %q", line)
	}
	if line := string(<-errs.Lines()); !strings.Contains(line, "level=ERROR") || !strings.Contains(line, `msg="disk full"`) {
		t.Fatalf("error watcher's line = %q, want the error alone as text", line)
	}
	if n := len(errs.Lines()); n != 0 {
		t.Fatalf("error watcher got %d more lines", n)
	}

	hub.Stop(debug)
	hub.Stop(errs)
	if logger.Enabled(t.Context(), slog.LevelDebug) {
		t.Fatal("debug still enabled after the watchers left")
	}
	logger.Error("after")
	if len(debug.Lines()) != 0 || len(errs.Lines()) != 0 {
		t.Fatal("a stopped watcher got a line")
	}
}

// TestSlowWatcherLosesLines: a watcher whose buffer is full loses lines
// and counts them; logging never waits for it.
func TestSlowWatcherLosesLines(t *testing.T) {
	hub := NewHub()
	logger := slog.New(hub.Handler(slog.DiscardHandler))
	w := hub.Watch(slog.LevelInfo, false, 2)
	for range 5 {
		logger.Info("x")
	}
	if len(w.Lines()) != 2 || w.Dropped() != 3 {
		t.Fatalf("buffered %d, dropped %d; want 2 and 3", len(w.Lines()), w.Dropped())
	}
}

func TestParseLevel(t *testing.T) {
	for name, want := range map[string]slog.Level{"trace": slog.LevelDebug - 4, "DEBUG": slog.LevelDebug, "": slog.LevelInfo,
		"warn": slog.LevelWarn, "err": slog.LevelError, "error": slog.LevelError} {
		if got, ok := ParseLevel(name); !ok || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := ParseLevel("loud"); ok {
		t.Error("ParseLevel accepted an unknown name")
	}
}

// BenchmarkLogWithoutWatchers is the cost the hub adds to a log call that
// nobody watches, next to the bare handler.
func BenchmarkLogWithoutWatchers(b *testing.B) {
	inner := slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelInfo})
	for name, logger := range map[string]*slog.Logger{"bare": slog.New(inner), "hub": slog.New(NewHub().Handler(inner))} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				logger.Debug("filtered out", "k", 1)
			}
		})
	}
}
