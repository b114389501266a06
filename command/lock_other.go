//go:build !unix

package command

import (
	"os/exec"
	"syscall"
)

// shellCommand runs script with the Windows command interpreter.
func shellCommand(script string) *exec.Cmd { return exec.Command("cmd", "/C", script) }

// newProcessGroup does nothing: without process groups only the child
// itself is signalled.
func newProcessGroup(*exec.Cmd) {}

// signalChild signals the child; where only killing is supported, any
// signal other than SIGKILL fails and killChild escalates after the grace.
func signalChild(cmd *exec.Cmd, sig syscall.Signal) error {
	if sig == syscall.SIGKILL {
		return cmd.Process.Kill()
	}
	return cmd.Process.Signal(sig)
}
