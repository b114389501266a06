//go:build unix

package command

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
)

// lockRun is one `pylon lock` run in a goroutine, interruptible through
// sigs.
type lockRun struct {
	out, err syncBuffer
	sigs     chan os.Signal
	code     chan int
}

func startLock(t *testing.T, addr string, args ...string) *lockRun {
	t.Helper()
	r := &lockRun{sigs: make(chan os.Signal, 1), code: make(chan int, 1)}
	full := append([]string{"-http-addr", addr}, args...)
	go func() { r.code <- lockMain(&ui{out: &r.out, err: &r.err}, full, r.sigs) }()
	return r
}

// wait returns the exit code; the run must end on its own.
func (r *lockRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case c := <-r.code:
		return c
	case <-time.After(60 * time.Second):
		t.Fatalf("pylon lock did not exit\nstdout: %s\nstderr: %s", r.out.String(), r.err.String())
		return 0
	}
}

// waitFile waits until a child created path (the child's "I run" signal).
func waitFile(t *testing.T, path string, r *lockRun) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case c := <-r.code:
			t.Fatalf("pylon lock exited %d before %s appeared\nstdout: %s\nstderr: %s", c, path, r.out.String(), r.err.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("%s never appeared\nstderr: %s", path, r.err.String())
}

func TestLockRunsChildHoldingTheLock(t *testing.T) {
	addr, c := kvTestAgent(t)
	dir := t.TempDir()
	// The child checks, while it runs, that the lock key is held.
	r := startLock(t, addr, "-verbose", "jobs/nightly", "echo held=$CONSUL_LOCK_HELD $PYLON_LOCK_HELD; touch "+dir+"/ran")
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, r.err.String())
	}
	out := r.out.String()
	mustContain(t, "stdout", out, "Setting up lock at path: jobs/nightly/.lock")
	mustContain(t, "stdout", out, "held=true true")
	mustContain(t, "stdout", out, "Cleanup succeeded")
	if _, err := os.Stat(filepath.Join(dir, "ran")); err != nil {
		t.Fatal("child did not run")
	}
	if p, _, err := c.KV().Get("jobs/nightly/.lock", nil); err != nil || p != nil {
		t.Fatalf("lock key left behind: %+v %v", p, err)
	}
	if s, _, err := c.Session().List(nil); err != nil || len(s) != 0 {
		t.Fatalf("sessions left: %v %v", s, err)
	}
}

func TestLockExitCodes(t *testing.T) {
	addr, _ := kvTestAgent(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"child fails, not propagated", []string{"p1", "exit 3"}, 0},
		{"child fails, propagated", []string{"-child-exit-code", "p2", "exit 3"}, 2},
		{"without a shell", []string{"-shell=false", "p3", "sh", "-c", "exit 0"}, 0},
		{"child cannot start", []string{"-shell=false", "p4", "/no/such/binary"}, 1},
		{"semaphore", []string{"-n=2", "p5", "true"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startLock(t, addr, tt.args...)
			if code := r.wait(t); code != tt.want {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.want, r.err.String())
			}
		})
	}
}

func TestLockTimeoutWhileHeld(t *testing.T) {
	addr, c := kvTestAgent(t)
	l, _ := c.LockKey("busy/.lock")
	if _, err := l.Lock(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Unlock() })
	dir := t.TempDir()
	r := startLock(t, addr, "-timeout=300ms", "busy", "touch "+dir+"/ran")
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, "stderr", r.err.String(), "Shutdown triggered or timeout during lock acquisition")
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Fatal("child ran without the lock")
	}
	// A semaphore on a lock's prefix is a conflict.
	r = startLock(t, addr, "-n=2", "busy", "true")
	if code := r.wait(t); code != 1 {
		t.Fatalf("semaphore on a lock: exit %d", code)
	}
	mustContain(t, "stderr", r.err.String(), "Lock acquisition failed")
}

// TestLockLostKillsChild destroys the session holding the lock while the
// child runs: the child is killed and pylon lock exits 1.
func TestLockLostKillsChild(t *testing.T) {
	addr, c := kvTestAgent(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	r := startLock(t, addr, "lost", "echo $$ > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+"; exec sleep 600")
	waitFile(t, pidFile, r)
	pair, _, err := c.KV().Get("lost/.lock", nil)
	if err != nil || pair == nil || pair.Session == "" {
		t.Fatalf("lock key: %+v %v", pair, err)
	}
	if _, err := c.Session().Destroy(pair.Session, nil); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, "stderr", r.err.String(), "Lock lost, killing child")
	assertProcessGone(t, pidFile)
}

// TestLockInterruptKillsChildAndReleases sends SIGTERM to pylon lock while
// the child runs.
func TestLockInterruptKillsChildAndReleases(t *testing.T) {
	addr, c := kvTestAgent(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	// The shell stays the process group leader; sleep is its child.
	grandchild := filepath.Join(dir, "grandchild")
	r := startLock(t, addr, "intr", "sleep 600 & echo $! > "+grandchild+"; echo $$ > "+pidFile+".tmp; mv "+pidFile+".tmp "+pidFile+
		"; wait; echo not killed")
	waitFile(t, pidFile, r)
	r.sigs <- syscall.SIGTERM
	if code := r.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, "stderr", r.err.String(), "Shutdown triggered, killing child")
	if strings.Contains(r.out.String(), "not killed") {
		t.Fatal("the child outlived the interrupt")
	}
	assertProcessGone(t, pidFile)
	assertProcessGone(t, grandchild)
	if p, _, err := c.KV().Get("intr/.lock", nil); err != nil || p != nil {
		t.Fatalf("lock key after interrupt: %+v %v", p, err)
	}
}

// TestLockSemaphoreLimit runs two holders of a -n=2 semaphore whose
// children wait for a go-ahead; a third holder times out meanwhile.
func TestLockSemaphoreLimit(t *testing.T) {
	addr, c := kvTestAgent(t)
	dir := t.TempDir()
	goAhead := filepath.Join(dir, "go")
	child := func(name string) string {
		return "touch " + filepath.Join(dir, name) + "; while [ ! -f " + goAhead + " ]; do sleep 0.02; done"
	}
	a := startLock(t, addr, "-n=2", "pool", child("a"))
	b := startLock(t, addr, "-n=2", "pool", child("b"))
	waitFile(t, filepath.Join(dir, "a"), a)
	waitFile(t, filepath.Join(dir, "b"), b)

	third := startLock(t, addr, "-n=2", "-timeout=300ms", "pool", child("c"))
	if code := third.wait(t); code != 1 {
		t.Fatalf("third holder: exit %d", code)
	}
	// An official-layout API contender sees the same two holders.
	s, _ := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: "pool", Limit: 2, SemaphoreTryOnce: true, SemaphoreWaitTime: 300 * time.Millisecond})
	if lost, err := s.Acquire(nil); err != nil || lost != nil {
		t.Fatalf("API contender got a slot: %v", err)
	}
	if err := os.WriteFile(goAhead, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*lockRun{a, b} {
		if code := r.wait(t); code != 0 {
			t.Fatalf("holder exit %d\nstderr: %s", code, r.err.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c")); err == nil {
		t.Fatal("the third holder's child ran")
	}
	if pairs, _, err := c.KV().List("pool", nil); err != nil || len(pairs) != 0 {
		t.Fatalf("keys left: %v %v", pairs, err)
	}
}

func TestLockBadArguments(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, "Error! Key prefix and child command must be specified"},
		{[]string{"only-prefix"}, "Error! Key prefix and child command must be specified"},
		{[]string{"/", "true"}, "Error! Key prefix must not be empty"},
		{[]string{"-n=0", "p", "true"}, "Error! Lock holder count must be positive"},
		{[]string{"-timeout=-1s", "p", "true"}, "Error! -timeout must not be negative"},
		{[]string{"-monitor-retry=-1", "p", "true"}, "Error! -monitor-retry must not be negative"},
		{[]string{"-timeout=soon", "p", "true"}, `invalid value "soon" for flag -timeout`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"lock", "-http-addr", "127.0.0.1:1"}, tt.args...)...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
		})
	}
	out, _, code := run(t, "lock", "-h")
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	mustContain(t, "help", out, "Usage: pylon lock [options] PREFIX CHILD...")
}

// assertProcessGone reads a PID a child wrote and checks that the
// process no longer runs. A zombie counts as gone: the child's own
// children are reaped by init, which may take a moment (or, in some
// containers, never happen).
func assertProcessGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for processRuns(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processRuns reports whether pid is a live (not zombie) process.
func processRuns(pid int) bool {
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		// The state follows the command name, which is in parentheses.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
			return b[i+2] != 'Z' && b[i+2] != 'X'
		}
		return true
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
