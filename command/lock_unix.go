//go:build unix

package command

import (
	"os/exec"
	"syscall"
)

// shellCommand runs script with /bin/sh.
func shellCommand(script string) *exec.Cmd { return exec.Command("/bin/sh", "-c", script) }

// newProcessGroup puts the child in a process group of its own, so that
// signals reach the processes a shell started too.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalChild signals the child's whole process group.
func signalChild(cmd *exec.Cmd, sig syscall.Signal) error {
	return syscall.Kill(-cmd.Process.Pid, sig)
}
