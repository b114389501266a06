package command

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"
)

const monitorHelp = `
Usage: pylon monitor [options]

  Streams the agent's log lines until interrupted, at -log-level (which
  may be finer than the agent's own level), as text or, with -log-json,
  as JSON lines.
`

func runMonitor(u *ui, args []string) int {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	level := fs.String("log-level", "info", "Log `level` to stream: trace, debug, info, warn or err.")
	json := fs.Bool("log-json", false, "Stream JSON lines.")
	if done, code := parseFlags(u, fs, args, monitorHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lines, err := client.Agent().Monitor(ctx, *level, *json)
	if err != nil {
		u.error("Error starting monitor: %v", err)
		return 1
	}
	for line := range lines {
		u.output("%s", line)
	}
	if ctx.Err() == nil {
		u.error("Remote side ended the monitor. This usually means the agent was shut down.")
		return 1
	}
	return 0
}
