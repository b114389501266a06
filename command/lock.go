package command

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/pylonmesh/pylon/api"
)

const lockHelp = `
Usage: pylon lock [options] PREFIX CHILD...

  Runs CHILD while holding a lock on PREFIX in the KV store: a mutex on
  PREFIX/.lock, or with -n > 1 a semaphore letting N holders in at once
  (all holders of a prefix must agree on -n). The child sees
  PYLON_LOCK_HELD=true and CONSUL_LOCK_HELD=true. The lock is released when
  the child exits. If the lock is lost, or pylon lock is interrupted, the
  child gets SIGTERM and, 5 seconds later, SIGKILL.

  Works with consul lock and with Consul's api.Lock and api.Semaphore on
  the same prefix.

  Exit status: 0 when the child ran; 1 when the lock could not be taken,
  was lost, or pylon lock was interrupted; with -child-exit-code, 2 when
  the child failed.

      $ pylon lock service/web/leader ./run-leader.sh
      $ pylon lock -n=3 -timeout=30s jobs/reindex reindex --all
`

// lockKillGrace is how long a child has between SIGTERM and SIGKILL.
const lockKillGrace = 5 * time.Second

// lockConfig is what the flags of pylon lock say.
type lockConfig struct {
	limit         int
	name          string
	timeout       time.Duration
	monitorRetry  int
	childExitCode bool
	shell         bool
	passStdin     bool
	verbose       bool

	prefix string
	child  []string
}

func runLock(u *ui, args []string) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return lockMain(u, args, sigs)
}

// lockMain runs pylon lock; a signal on sigs interrupts it.
func lockMain(u *ui, args []string, sigs <-chan os.Signal) int {
	fs := flag.NewFlagSet("lock", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	var cfg lockConfig
	fs.IntVar(&cfg.limit, "n", 1, "Number of lock holders allowed at once; above 1 a semaphore is used.")
	fs.StringVar(&cfg.name, "name", "", "`Name` of the session holding the lock; defaults to one naming the child and prefix.")
	fs.DurationVar(&cfg.timeout, "timeout", 0, "Give up when the lock is not acquired within this `duration`; 0 waits forever.")
	fs.IntVar(&cfg.monitorRetry, "monitor-retry", 3, "Number of failed reads (500 or network error) in a row to ride out while holding the lock.")
	fs.BoolVar(&cfg.childExitCode, "child-exit-code", false, "Exit 2 when the child exits with an error (otherwise 0).")
	fs.BoolVar(&cfg.shell, "shell", true, "Run the child through /bin/sh -c with its arguments joined by spaces.")
	fs.BoolVar(&cfg.passStdin, "pass-stdin", false, "Give the child this command's standard input.")
	fs.BoolVar(&cfg.verbose, "verbose", false, "Print what the command does, step by step.")
	if done, code := parseFlags(u, fs, args, lockHelp); done {
		return code
	}
	if msg := cfg.validate(fs.Args()); msg != "" {
		u.error("%s", msg)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	holder, err := newLockHolder(u, client, &cfg)
	if err != nil {
		u.error("Error setting up the lock: %v", err)
		return 1
	}
	return cfg.hold(u, holder, sigs)
}

// validate fills prefix and child from the arguments and checks the
// flags; it returns the error to print, or "".
func (c *lockConfig) validate(args []string) string {
	if len(args) < 2 {
		return "Error! Key prefix and child command must be specified"
	}
	c.prefix = strings.TrimPrefix(args[0], "/")
	c.child = args[1:]
	switch {
	case c.prefix == "":
		return "Error! Key prefix must not be empty"
	case c.limit < 1:
		return "Error! Lock holder count must be positive"
	case c.timeout < 0:
		return "Error! -timeout must not be negative"
	case c.monitorRetry < 0:
		return "Error! -monitor-retry must not be negative"
	}
	if c.name == "" {
		c.name = fmt.Sprintf("Pylon lock for '%s' at '%s'", strings.Join(c.child, " "), c.prefix)
	}
	return ""
}

// lockHolder is a Lock or a Semaphore seen through what pylon lock needs.
type lockHolder struct {
	acquire func(stop <-chan struct{}) (<-chan struct{}, error)
	release func() error
	destroy func() error
	inUse   error // what destroy returns while others still hold it
}

func newLockHolder(u *ui, client *api.Client, c *lockConfig) (*lockHolder, error) {
	if c.limit == 1 {
		key := path.Join(c.prefix, api.DefaultSemaphoreKey)
		c.say(u, "Setting up lock at path: %s", key)
		l, err := client.LockOpts(&api.LockOptions{Key: key, SessionName: c.name, MonitorRetries: c.monitorRetry,
			LockTryOnce: c.timeout > 0, LockWaitTime: c.timeout})
		if err != nil {
			return nil, err
		}
		return &lockHolder{acquire: l.Lock, release: l.Unlock, destroy: l.Destroy, inUse: api.ErrLockInUse}, nil
	}
	c.say(u, "Setting up semaphore (limit %d) at prefix: %s", c.limit, c.prefix)
	s, err := client.SemaphoreOpts(&api.SemaphoreOptions{Prefix: c.prefix, Limit: c.limit, SessionName: c.name,
		MonitorRetries: c.monitorRetry, SemaphoreTryOnce: c.timeout > 0, SemaphoreWaitTime: c.timeout})
	if err != nil {
		return nil, err
	}
	return &lockHolder{acquire: s.Acquire, release: s.Release, destroy: s.Destroy, inUse: api.ErrSemaphoreInUse}, nil
}

// say prints a -verbose progress line.
func (c *lockConfig) say(u *ui, format string, args ...any) {
	if c.verbose {
		u.output(format, args...)
	}
}

// hold acquires the lock, runs the child while it is held, and releases
// it. It returns the exit code.
func (c *lockConfig) hold(u *ui, h *lockHolder, sigs <-chan os.Signal) int {
	c.say(u, "Attempting lock acquisition")
	lost, interrupted, err := acquireUntilSignal(h, sigs)
	if err != nil {
		u.error("Lock acquisition failed: %v", err)
		return 1
	}
	if lost == nil {
		u.error("Shutdown triggered or timeout during lock acquisition")
		return 1
	}
	code := 1
	if interrupted {
		u.error("Shutdown triggered, releasing lock")
	} else {
		c.say(u, "Lock acquired; starting child")
		code = c.runChild(u, lost, sigs)
	}
	if err := h.release(); err != nil {
		u.error("Lock release failed: %v", err)
		return 1
	}
	if err := h.destroy(); err != nil {
		if !errors.Is(err, h.inUse) {
			u.error("Lock cleanup failed: %v", err)
			return 1
		}
		c.say(u, "Cleanup aborted, lock in use")
	} else {
		c.say(u, "Cleanup succeeded")
	}
	return code
}

// acquireUntilSignal acquires the lock, giving up when a signal arrives.
// interrupted reports a signal that came just as the lock was acquired.
func acquireUntilSignal(h *lockHolder, sigs <-chan os.Signal) (lost <-chan struct{}, interrupted bool, err error) {
	stop := make(chan struct{})
	acquired := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-sigs:
			close(stop)
		case <-acquired:
		}
	}()
	lost, err = h.acquire(stop)
	close(acquired)
	<-watched
	select {
	case <-stop:
		interrupted = true
	default:
	}
	return lost, interrupted, err
}
