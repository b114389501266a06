package command

import (
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pylonmesh/pylon/api/watch"
)

const watchHelp = `
Usage: pylon watch -type=TYPE [options] [handler ...]

  Watches a view of the data: a key (-type=key -key=K), a key prefix
  (keyprefix -prefix=P), the service list (services), the node list
  (nodes), the instances of a service (service -service=S [-tag=T ...]
  [-passingonly]), health checks (checks [-service=S | -state=STATE]) or
  user events (event [-name=N]).

  Without a handler the current view is printed as JSON and the command
  exits, as consul watch does; with -follow every change is printed until
  the command is interrupted. With a handler, the handler runs once at
  start and on every change, with the view as JSON on its standard input
  and the index in CONSUL_INDEX and PYLON_INDEX. A handler that fails ends
  the watch with exit status 1. SIGINT and SIGTERM end it with status 0.

      $ pylon watch -type=key -key=app/config ./reload.sh
      $ pylon watch -type=service -service=web -passingonly -follow
      $ pylon watch -type=event -name=deploy 'jq .[].Payload'
`

// watchConfig is what the flags of pylon watch say beyond the watch
// definition itself.
type watchConfig struct {
	shell  bool
	follow bool
}

// watchParams maps each definition flag to its key in the definition.
var watchParams = map[string]string{
	"type": "type", "key": "key", "prefix": "prefix", "service": "service", "tag": "tag",
	"passingonly": "passingonly", "state": "state", "name": "name", "filter": "filter",
}

func runWatch(u *ui, args []string) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return watchMain(u, args, sigs)
}

// watchMain runs pylon watch; a signal on sigs ends it.
func watchMain(u *ui, args []string, sigs <-chan os.Signal) int {
	var (
		h    httpFlags
		cfg  watchConfig
		tags listFlag
	)
	fs := newWatchFlagSet(&h, &cfg, &tags)
	if done, code := parseFlags(u, fs, args, watchHelp); done {
		return code
	}
	plan, err := watch.Parse(watchDefinition(fs, tags, h.stale))
	if err != nil {
		u.error("Error: %v", err)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to the Pylon agent: %v", err)
		return 1
	}
	defer client.Config().HttpClient.CloseIdleConnections()
	if _, err := client.Agent().NodeName(); err != nil {
		u.error("Error querying the Pylon agent: %v", err)
		return 1
	}
	code := 0
	plan.Logger = slog.New(slog.NewTextHandler(u.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	plan.Handler = watchHandler(u, plan, cfg, fs.Args(), &code)
	done := make(chan error, 1)
	go func() { done <- plan.Run(context.Background(), client) }()
	select {
	case err = <-done:
	case <-sigs:
		plan.Stop()
		err = <-done
	}
	if err != nil {
		u.error("Error: %v", err)
		return 1
	}
	return code
}

// newWatchFlagSet declares the flags of pylon watch. The definition flags
// are read back with Visit, so that only those given are in it.
func newWatchFlagSet(h *httpFlags, cfg *watchConfig, tags *listFlag) *flag.FlagSet {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	h.register(fs)
	fs.String("type", "", "Watch `type`: key, keyprefix, services, nodes, service, checks or event. Required.")
	fs.String("key", "", "`Key` to watch (key type).")
	fs.String("prefix", "", "Key `prefix` to watch (keyprefix type).")
	fs.String("service", "", "`Service` to watch (service type; optional for checks).")
	fs.Var(tags, "tag", "Service `tag` to filter on (service type); may be repeated, all must match.")
	fs.Bool("passingonly", false, "Only instances whose checks all pass (service type).")
	fs.String("state", "", "Check `state` to filter on: any, passing, warning or critical (checks type).")
	fs.String("name", "", "Event `name` to watch (event type).")
	fs.String("filter", "", "Filter `expression` over the results (services, nodes, service and checks types).")
	fs.BoolVar(&cfg.shell, "shell", true, "Run the handler through the shell ($SHELL or /bin/sh -c) with its arguments joined by spaces.")
	fs.BoolVar(&cfg.follow, "follow", false, "Without a handler, print every change until interrupted instead of exiting after the first.")
	return fs
}

// watchDefinition builds the watch definition from the flags given on
// the command line (a flag left out is not in it).
func watchDefinition(fs *flag.FlagSet, tags listFlag, stale bool) map[string]any {
	def := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		key, ok := watchParams[f.Name]
		if !ok {
			return
		}
		switch f.Name {
		case "tag":
			def[key] = []string(tags)
		case "passingonly":
			def[key] = f.Value.String() == "true"
		default:
			def[key] = f.Value.String()
		}
	})
	if stale {
		def["stale"] = true
	}
	return def
}

// watchHandler prints each result, or runs the handler command with it.
// A failure sets *code to 1 and stops the plan.
func watchHandler(u *ui, plan *watch.Plan, cfg watchConfig, child []string, code *int) watch.HandlerFunc {
	if len(child) == 0 {
		return func(_ context.Context, _ uint64, result any) error {
			b, err := json.MarshalIndent(result, "", "    ")
			if err != nil {
				u.error("Error encoding output: %v", err)
				*code = 1
				plan.Stop()
				return err
			}
			u.output("%s", b)
			if !cfg.follow {
				plan.Stop()
			}
			return nil
		}
	}
	script := &watch.ScriptHandler{Stdout: u.out, Stderr: u.err}
	if cfg.shell {
		script.Shell = strings.Join(child, " ")
	} else {
		script.Args = child
	}
	return func(ctx context.Context, idx uint64, result any) error {
		err := script.Handle(ctx, idx, result)
		if err != nil && ctx.Err() == nil {
			u.error("Error running the handler: %v", err)
			*code = 1
			plan.Stop()
		}
		return err
	}
}
