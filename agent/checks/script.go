package checks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// scriptKillWait is how long a run waits, after killing a timed-out
// script, for descendants that still hold its output open.
const scriptKillWait = time.Second

// scriptProbe runs args (without a shell) and maps its exit code: 0 is
// passing, 1 warning, anything else critical. The output is the last
// output_max_size bytes of stdout and stderr combined. On timeout the
// script and its process group are killed and the check is critical.
type scriptProbe struct {
	args   []string
	maxOut int
}

func newScriptProbe(def *config.CheckDefinition) (prober, error) {
	if len(def.ScriptArgs) == 0 || def.ScriptArgs[0] == "" {
		return nil, fmt.Errorf("%w: script args are empty", ErrInvalidTarget)
	}
	return &scriptProbe{args: def.ScriptArgs, maxOut: outputMaxSize(def)}, nil
}

func (p *scriptProbe) probe(ctx context.Context) (string, string) {
	cmd := exec.CommandContext(ctx, p.args[0], p.args[1:]...)
	out := &tailBuffer{max: p.maxOut}
	cmd.Stdout = out // one writer for both: exec copies them on one goroutine
	cmd.Stderr = out
	cmd.WaitDelay = scriptKillWait
	killProcessGroup(cmd)

	err := cmd.Run()
	output := out.String()
	if out.total > int64(len(out.buf)) {
		output = fmt.Sprintf("Captured the last %d of %d bytes\n...\n%s", len(out.buf), out.total, output)
	}
	if ctx.Err() != nil {
		return critical, fmt.Sprintf("Timed out running check %q\n%s", p.args[0], output)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return passing, output
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return warning, output
	case errors.As(err, &exit):
		return critical, output
	}
	return critical, truncate(fmt.Sprintf("run %q: %v", p.args[0], err), p.maxOut)
}
