package agent

import "log/slog"

// monitorBuffer is how many lines a log watcher may fall behind before it
// loses lines.
const monitorBuffer = 512

// Monitor starts streaming this agent's log records at level and above,
// as JSON lines or text, for /v1/agent/monitor; stop ends it and returns
// how many lines the watcher lost for being behind.
func (a *Agent) Monitor(level slog.Level, json bool) (lines <-chan []byte, stop func() int64) {
	w := a.logs.Watch(level, json, monitorBuffer)
	return w.Lines(), func() int64 {
		a.logs.Stop(w)
		return w.Dropped()
	}
}
