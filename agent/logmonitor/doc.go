// Package logmonitor fans an agent's log records out to live watchers, as
// Consul's /v1/agent/monitor streams them: each watcher picks its own
// level, which may be finer than the agent's, and its format (text or
// JSON lines). Watchers that fall behind lose lines rather than slowing
// the agent down.
package logmonitor
