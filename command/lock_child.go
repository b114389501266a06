package command

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// childCommand builds the child process: through the shell or directly,
// with the lock-held variables set and this command's output.
func (c *lockConfig) childCommand(u *ui) *exec.Cmd {
	var cmd *exec.Cmd
	if c.shell {
		cmd = shellCommand(strings.Join(c.child, " "))
	} else {
		cmd = exec.Command(c.child[0], c.child[1:]...)
	}
	cmd.Env = append(os.Environ(), "PYLON_LOCK_HELD=true", "CONSUL_LOCK_HELD=true")
	cmd.Stdout, cmd.Stderr = u.out, u.err
	if c.passStdin {
		cmd.Stdin = stdin
	}
	// A grandchild still holding the output pipes must not keep Wait
	// from returning once the child is gone.
	cmd.WaitDelay = lockKillGrace
	newProcessGroup(cmd)
	return cmd
}

// runChild starts the child and waits for it to exit, the lock to be
// lost, or a signal. It returns the exit code of pylon lock.
func (c *lockConfig) runChild(u *ui, lost <-chan struct{}, sigs <-chan os.Signal) int {
	cmd := c.childCommand(u)
	if err := cmd.Start(); err != nil {
		u.error("Error starting handler: %v", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return c.childResult(u, err)
	case <-lost:
		u.error("Lock lost, killing child")
	case <-sigs:
		u.error("Shutdown triggered, killing child")
	}
	killChild(cmd, done)
	return 1
}

// childResult maps the child's exit to the exit code.
func (c *lockConfig) childResult(u *ui, err error) int {
	if err == nil {
		c.say(u, "Child exited successfully")
		return 0
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		u.error("Error waiting for child: %v", err)
		return 1
	}
	u.error("Child exited with error: %v", err)
	if c.childExitCode {
		return 2
	}
	return 0
}

// killChild sends SIGTERM to the child's process group and, if it has not
// exited after lockKillGrace, SIGKILL. done delivers the child's exit.
func killChild(cmd *exec.Cmd, done <-chan error) {
	_ = signalChild(cmd, syscall.SIGTERM)
	t := time.NewTimer(lockKillGrace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	_ = signalChild(cmd, syscall.SIGKILL)
	<-done
}
