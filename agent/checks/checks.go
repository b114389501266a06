package checks

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// Defaults that apply when a definition leaves the field at zero.
const (
	// DefaultOutputMaxSize caps a check's output in bytes.
	DefaultOutputMaxSize = 4096
	// DefaultTimeout bounds one run of an http, tcp, udp, grpc or h2ping check.
	DefaultTimeout = 10 * time.Second
	// DefaultScriptTimeout bounds one run of a script check.
	DefaultScriptTimeout = 30 * time.Second
)

// Notifier receives the status of a check each time it changes, after the
// status thresholds are applied. A runner calls it from its own goroutine
// (or from (*TTL).SetStatus); it must not call back into the runner.
type Notifier interface {
	UpdateCheck(checkID, status, output string)
}

// Runner runs one check. Start launches it (a second Start does nothing);
// Stop ends it and waits for its goroutine to exit. Stop may be called more
// than once, and before Start, after which Start does nothing.
type Runner interface {
	Start()
	Stop()
}

// AliasSource is the agent's local state as an alias check sees it.
type AliasSource interface {
	// AliasStatus returns the worst status of the service's checks and its
	// node's checks, "passing" when there are none, and found=false when
	// the service is not registered. An empty serviceID asks about the
	// node alone.
	AliasStatus(node, serviceID string) (status string, found bool)
	// Notify makes the source signal ch (without blocking) on every change
	// to local services or checks, until cancel is called.
	Notify(ch chan<- struct{}) (cancel func())
}

// Options carries what runners need from the agent.
type Options struct {
	// Logger receives the runners' logs; nil discards them.
	Logger *slog.Logger
	// Alias is required for alias checks.
	Alias AliasSource
	// AllowScripts permits script checks. The agent sets it from
	// enable_script_checks, or enable_local_script_checks for checks from
	// config files. False makes New refuse script checks.
	AllowScripts bool
}

// New builds the runner for def, chosen by def.Type(). For a ttl check the
// Runner is a *TTL, which the agent keeps to forward status updates.
func New(checkID string, def *config.CheckDefinition, n Notifier, opts Options) (Runner, error) {
	if def == nil {
		return nil, fmt.Errorf("check %q: no definition", checkID)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("check_id", checkID)
	typ := def.Type()
	switch typ {
	case "ttl":
		return newTTL(checkID, def, n, logger), nil
	case "alias":
		if opts.Alias == nil {
			return nil, fmt.Errorf("check %q: %w", checkID, ErrNoAliasSource)
		}
		return newAlias(checkID, def, n, opts.Alias, logger), nil
	case "script":
		if !opts.AllowScripts {
			return nil, fmt.Errorf("check %q: %w", checkID, ErrScriptsDisabled)
		}
	}
	build, ok := probers[typ]
	if !ok {
		return nil, fmt.Errorf("check %q: %w %q", checkID, ErrUnsupportedType, typ)
	}
	if def.Interval <= 0 {
		return nil, fmt.Errorf("check %q: %w", checkID, ErrNoInterval)
	}
	p, err := build(def)
	if err != nil {
		return nil, fmt.Errorf("check %q: %w", checkID, err)
	}
	return newInterval(checkID, def, p, n, logger), nil
}

// outputMaxSize is the definition's output cap, or the default.
func outputMaxSize(def *config.CheckDefinition) int {
	if def.OutputMaxSize > 0 {
		return def.OutputMaxSize
	}
	return DefaultOutputMaxSize
}
