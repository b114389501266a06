//go:build unix

package checks

import (
	"os/exec"
	"syscall"
)

// killProcessGroup starts the script in its own process group and makes
// the timeout kill the whole group, so that children it spawned die too.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
