package command

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/pylonmesh/pylon/agent"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/logmonitor"
	"github.com/pylonmesh/pylon/version"
)

func runAgent(u *ui, args []string) int {
	if len(args) > 0 && isHelp(args[0]) {
		u.output("%s", strings.TrimSpace(agentHelp))
		return 0
	}
	tuneGC()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	return serveAgent(u, args, sigs)
}

// agentGCPercent is the agent's GOGC unless the environment sets one. An
// agent's live heap is small and mostly long-lived (the state store), and
// the request path allocates per request, so the default of 100 spends a
// large share of the CPU on collections; 400 roughly halves that (see
// docs/architecture.md for the figures) for a heap that may grow to five
// times the live data.
const agentGCPercent = 400

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(agentGCPercent)
	}
}

const agentHelp = `
Usage: pylon agent [options]

  Starts a Pylon agent and runs until interrupted. The agent takes Consul's
  agent flags and config files (-dev, -server, -config-file, -config-dir,
  -hcl, -data-dir, -node, -datacenter, -bind, -client, ports ...).
  SIGHUP reloads the configuration. SIGINT leaves the cluster gracefully
  and stops the agent (skip_leave_on_interrupt: stop without leaving, the
  default on servers); SIGTERM stops it without leaving (leave_on_terminate:
  leave first, the default on clients).
`

// serveAgent runs an agent until a stop signal arrives on sigs or the
// agent shuts itself down. SIGHUP on sigs reloads the configuration.
func serveAgent(u *ui, args []string, sigs <-chan os.Signal) int {
	rt, warnings, err := config.Load(args)
	if err != nil {
		u.error("==> %v", err)
		return 1
	}
	logger := newLogger(u.out, rt.LogLevel, rt.LogJSON)
	for _, w := range warnings {
		logger.Warn("config warning", "warning", w)
	}
	a, err := agent.New(agent.Options{Config: rt, Logger: logger, Reload: func() (*config.Runtime, []string, error) {
		return config.Load(args)
	}})
	if err != nil {
		u.error("==> Error creating agent: %v", err)
		return 1
	}
	u.output("==> Starting Pylon agent...")
	if err := a.Start(context.Background()); err != nil {
		u.error("==> Error starting agent: %v", err)
		_ = a.Shutdown()
		return 1
	}
	printBanner(u, rt, a)
	return waitAgent(u, a, rt, logger, sigs)
}

// waitAgent handles signals until the agent stops. SIGHUP reloads. SIGINT
// leaves the gossip pool gracefully unless skip_leave_on_interrupt is set;
// SIGTERM leaves only with leave_on_terminate (both read at start, as
// Consul; a reload does not change them); otherwise the agent stops
// without leaving (the others see it failed until it comes back). An agent
// that stopped itself (retry_join gave up) exits 1.
func waitAgent(u *ui, a *agent.Agent, rt *config.Runtime, logger *slog.Logger, sigs <-chan os.Signal) int {
	for {
		select {
		case <-a.ShutdownCh():
			if err := a.Failure(); err != nil {
				u.error("==> %v", err)
				return 1
			}
			u.output("==> Pylon agent has shut down")
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				u.output("==> Caught signal: %v, reloading configuration", sig)
				if err := a.ReloadConfig(); err != nil {
					logger.Error("reload failed", "error", err)
				}
				continue
			}
			return stopAgent(u, a, rt, sig)
		}
	}
}

// stopAgent stops the agent on SIGINT or SIGTERM, leaving the pool first
// when the configuration says so.
func stopAgent(u *ui, a *agent.Agent, rt *config.Runtime, sig os.Signal) int {
	if leaveOnSignal(rt, sig) {
		u.output("==> Caught signal: %v, gracefully leaving the cluster", sig)
		if err := a.Leave(); err != nil {
			u.error("==> Error leaving: %v", err)
		}
	} else {
		u.output("==> Caught signal: %v, shutting down", sig)
	}
	if err := a.Shutdown(); err != nil {
		u.error("==> Error shutting down: %v", err)
		return 1
	}
	return 0
}

// leaveOnSignal reports whether sig asks for a graceful leave under rt
// (Consul's rules: SIGINT unless skip_leave_on_interrupt, SIGTERM with
// leave_on_terminate).
func leaveOnSignal(rt *config.Runtime, sig os.Signal) bool {
	switch sig {
	case syscall.SIGINT:
		return !rt.SkipLeaveOnInterrupt
	case syscall.SIGTERM:
		return rt.LeaveOnTerminate
	}
	return false
}

func printBanner(u *ui, rt *config.Runtime, a *agent.Agent) {
	lines := [][2]string{
		{"Version", fmt.Sprintf("'%s'", version.Version)},
		{"Node name", fmt.Sprintf("'%s'", rt.NodeName)},
		{"Datacenter", fmt.Sprintf("'%s'", rt.Datacenter)},
		{"Server", fmt.Sprintf("%t", rt.Server)},
		{"Client Addr", fmt.Sprintf("%v", rt.ClientAddrs)},
		{"HTTP", a.HTTPAddr()},
		{"DNS", a.DNSAddr()},
	}
	for _, l := range lines {
		u.output("%18s: %s", l[0], l[1])
	}
	u.output("")
	u.output("==> Log data will now stream in as it occurs:")
	u.output("")
}

// newLogger builds the agent's logger: text or JSON lines on w, at the
// level Consul's names give (trace, debug, info, warn, err).
func newLogger(w io.Writer, level string, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevel(level)}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logLevel maps a Consul log level name to slog; unknown names are info.
func logLevel(name string) slog.Level {
	l, _ := logmonitor.ParseLevel(name)
	return l
}
