package watch

import (
	"context"
	"log/slog"
)

// logTo returns a logger that hands each record's message to fn.
func logTo(fn func(msg string)) *slog.Logger { return slog.New(msgHandler(fn)) }

type msgHandler func(string)

func (h msgHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h msgHandler) Handle(_ context.Context, r slog.Record) error {
	h(r.Message)
	return nil
}
func (h msgHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h msgHandler) WithGroup(string) slog.Handler      { return h }
