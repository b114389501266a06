package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// Handler types a definition may name in handler_type.
const (
	HandlerScript = "script"
	HandlerHTTP   = "http"
)

// Environment variables a script handler finds the index in.
const (
	IndexEnvName      = "CONSUL_INDEX"
	PylonIndexEnvName = "PYLON_INDEX"
)

// scriptWaitDelay bounds how long a finished (or killed) handler may keep
// its output pipes open through a child it left behind.
const scriptWaitDelay = 2 * time.Second

// ScriptHandler runs a program per change with the result as JSON on its
// standard input and the index in CONSUL_INDEX and PYLON_INDEX.
type ScriptHandler struct {
	// Args is the program and its arguments, run without a shell. When
	// empty, Shell is run instead.
	Args []string
	// Shell is a command line (the older `handler` key) run by $SHELL -c,
	// /bin/sh when SHELL is unset.
	Shell string
	// Stdout and Stderr receive the program's output; nil discards it.
	Stdout, Stderr io.Writer
	// Env is added to the process environment.
	Env []string
}

// Handle runs the program once. It fails when the program cannot start or
// exits with a non-zero status; cancelling ctx kills it.
func (h *ScriptHandler) Handle(ctx context.Context, index uint64, result any) error {
	var in bytes.Buffer
	if err := json.NewEncoder(&in).Encode(result); err != nil {
		return fmt.Errorf("watch handler: encode result: %w", err)
	}
	cmd, err := h.command(ctx)
	if err != nil {
		return err
	}
	idx := strconv.FormatUint(index, 10)
	cmd.Env = append(append(os.Environ(), h.Env...), IndexEnvName+"="+idx, PylonIndexEnvName+"="+idx)
	cmd.Stdin = &in
	cmd.Stdout, cmd.Stderr = h.Stdout, h.Stderr
	cmd.WaitDelay = scriptWaitDelay
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("watch handler %s: %w", h, err)
	}
	return nil
}

func (h *ScriptHandler) command(ctx context.Context) (*exec.Cmd, error) {
	if len(h.Args) > 0 {
		return exec.CommandContext(ctx, h.Args[0], h.Args[1:]...), nil
	}
	if h.Shell == "" {
		return nil, fmt.Errorf("watch handler: %w: no args and no command line", ErrNoHandler)
	}
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd", "/C", h.Shell), nil
	}
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	return exec.CommandContext(ctx, shell, "-c", h.Shell), nil
}

// String names the handler in logs: its program, or its command line.
func (h *ScriptHandler) String() string {
	if len(h.Args) > 0 {
		return strconv.Quote(h.Args[0])
	}
	return strconv.Quote(h.Shell)
}
