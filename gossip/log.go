package gossip

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"strings"
)

// slogWriter turns the lines serf and memberlist print ("[WARN] memberlist:
// Refuting a suspect message") into slog records at the matching level.
type slogWriter struct{ l *slog.Logger }

// newStdLogger returns a *log.Logger, the type serf and memberlist take,
// that writes to l.
func newStdLogger(l *slog.Logger) *log.Logger {
	return log.New(slogWriter{l}, "", 0)
}

// Write logs each line of p as one record.
func (w slogWriter) Write(p []byte) (int, error) {
	for line := range bytes.Lines(p) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		level, msg := parseLevel(s)
		w.l.Log(context.Background(), level, msg)
	}
	return len(p), nil
}

// parseLevel splits the "[LEVEL] " prefix off a log line. Lines without one
// are INFO.
func parseLevel(s string) (slog.Level, string) {
	if !strings.HasPrefix(s, "[") {
		return slog.LevelInfo, s
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return slog.LevelInfo, s
	}
	msg := strings.TrimSpace(s[end+1:])
	switch s[1:end] {
	case "ERR", "ERROR":
		return slog.LevelError, msg
	case "WARN", "WARNING":
		return slog.LevelWarn, msg
	case "DEBUG", "TRACE":
		return slog.LevelDebug, msg
	case "INFO":
		return slog.LevelInfo, msg
	}
	return slog.LevelInfo, s
}
