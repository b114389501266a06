//go:build unix

package main

// Helpers for the black-box tests in blackbox_test.go: they build the real
// pylon binary once per test run and drive it as a subprocess, over
// 127.0.0.1 only.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

const (
	// leaderTimeout bounds how long a started agent may take to elect
	// itself and answer /v1/status/leader.
	leaderTimeout = 20 * time.Second
	// stopGrace is how long an agent has to exit after SIGTERM before it
	// gets SIGKILL.
	stopGrace = 5 * time.Second
	// pollInterval is the pause between two tries of waitFor.
	pollInterval = 50 * time.Millisecond
)

// The binary is built at most once per test run, into binDir, which
// TestMain removes at the end.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	binErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pylonBinary returns the path of a pylon binary built from this module,
// building it on first use.
func pylonBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pylon-blackbox-")
		if err != nil {
			binErr = fmt.Errorf("make build dir: %w", err)
			return
		}
		binDir = dir
		bin := filepath.Join(dir, "pylon")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// childEnv is the environment for processes the tests start: ours without
// the CONSUL_* variables clients read (an address or token there would
// point them elsewhere) and without HTTP proxies.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "CONSUL_") || strings.HasSuffix(upper, "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

// freePort returns a port on 127.0.0.1 that was free for both TCP and UDP
// a moment ago (the gossip port needs both). It comes from below the
// kernel's ephemeral range (32768 and up), so an outgoing connection of a
// parallel test cannot take it between now and the child's bind, and it
// is never handed out twice by this process.
func freePort(t *testing.T) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		p := 20000 + rand.IntN(12000)
		if portsGiven[p] {
			continue
		}
		tl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ul, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		tl.Close()
		if err != nil {
			continue
		}
		ul.Close()
		portsGiven[p] = true
		return p
	}
	t.Fatal("no free port in 20000-31999")
	return 0
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// syncBuffer collects a child's output; the exec copier goroutines write
// while a test may read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// agentProc is a pylon agent running as a child process.
type agentProc struct {
	cmd      *exec.Cmd
	out      *syncBuffer // stdout and stderr together
	httpAddr string      // 127.0.0.1:port of the HTTP API
	done     chan struct{}
	waitErr  error // set before done is closed
}

// startAgent starts `pylon agent` on fresh 127.0.0.1 ports with DNS and
// gRPC off, plus mode (e.g. "-dev", or "-server", "-bootstrap",
// "-data-dir", dir), and waits until it reports a raft leader. The agent is
// stopped when the test ends; its output is logged if the test failed.
func startAgent(t *testing.T, mode ...string) *agentProc {
	t.Helper()
	httpPort := freePort(t)
	args := []string{"agent", "-node", "n1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", strconv.Itoa(httpPort), "-server-port", strconv.Itoa(freePort(t)), "-serf-lan-port", strconv.Itoa(freePort(t)), "-serf-wan-port", "-1",
		"-dns-port", "-1", "-grpc-port", "-1"}
	args = append(args, mode...)

	p := &agentProc{
		cmd:      exec.Command(pylonBinary(t), args...),
		out:      &syncBuffer{},
		httpAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort)),
		done:     make(chan struct{}),
	}
	p.cmd.Env = childEnv()
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start pylon %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of pylon %s (pid %d, %v):\n%s", strings.Join(args, " "), p.cmd.Process.Pid, p.waitErr, p.out)
		}
	})
	if err := p.waitLeader(); err != nil {
		t.Fatalf("agent on %s: %v", p.httpAddr, err)
	}
	return p
}

// waitLeader polls /v1/status/leader until it names a leader, the process
// exits or leaderTimeout passes.
func (p *agentProc) waitLeader() error {
	deadline := time.Now().Add(leaderTimeout)
	url := "http://" + p.httpAddr + "/v1/status/leader"
	hc := &http.Client{Timeout: 2 * time.Second}
	last := errors.New("no answer yet")
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("agent exited before electing a leader: %v", p.waitErr)
		default:
		}
		if leader, err := getLeader(hc, url); err != nil {
			last = err
		} else if leader != "" {
			return nil
		} else {
			last = errors.New("leader is empty")
		}
		select {
		case <-p.done:
		case <-time.After(pollInterval):
		}
	}
	return fmt.Errorf("no leader after %v: %v", leaderTimeout, last)
}

func getLeader(hc *http.Client, url string) (string, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	var leader string
	if err := json.Unmarshal(body, &leader); err != nil {
		return "", fmt.Errorf("GET %s: decode %q: %w", url, body, err)
	}
	return leader, nil
}

// stop sends SIGTERM, then SIGKILL after stopGrace, and waits for the exit.
// It does nothing if the process has already exited.
func (p *agentProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill9 kills the agent with SIGKILL, as a crash or an OOM kill would, and
// waits until it is gone.
func (p *agentProc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-p.done
	var exit *exec.ExitError
	if !errors.As(p.waitErr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("agent exit = %v, want killed by SIGKILL", p.waitErr)
	}
}

// client returns an official Consul API client for the agent.
func (p *agentProc) client(t *testing.T) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: p.httpAddr, Scheme: "http"})
	if err != nil {
		t.Fatalf("consul api client: %v", err)
	}
	return c
}

// runPylon runs a short-lived pylon command and returns its stdout,
// stderr and exit code. It fails the test if the command cannot run or
// does not finish within 15 s.
func runPylon(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pylonBinary(t), args...)
	cmd.Env = childEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("pylon %s did not finish in time; stdout %q stderr %q", strings.Join(args, " "), out.String(), errOut.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("run pylon %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// waitFor calls f until it returns nil, failing the test with f's last
// error after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v: %v", what, timeout, err)
		}
		time.Sleep(pollInterval)
	}
}
