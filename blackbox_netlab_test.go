//go:build linux

package main

// A network lab for fault tests against real pylon processes: every node
// runs in a network namespace of its own, wired by a veth pair to a bridge
// in a hub namespace, all created by the test and removed at its end. A
// partition is a node's veth taken down; the test process reaches the
// nodes from inside the hub (or a node's own) namespace through a dialer
// that enters it for the socket's creation only. Nothing touches the
// host's own network.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"golang.org/x/sys/unix"
)

type netLab struct {
	t      *testing.T
	prefix string // namespace and link name prefix, unique per lab
	subnet string // "10.77.N"
	hub    string // the hub namespace
	nodes  []*labNode
}

// labNode is one namespace and the pylon agent in it.
type labNode struct {
	lab     *netLab
	i       int
	name    string // node name
	ns      string
	hubLink string // the veth end in the hub; down = partitioned
	ip      string
	args    []string // agent flags, reused on restart
	dataDir string
	proc    *agentProc
}

// newNetLab creates the hub and n node namespaces, or skips the test where
// the machine does not allow it.
func newNetLab(t *testing.T, n int) *netLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; skipping the partition tests")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		if os.Getenv("PYLON_REQUIRE_TOOLS") != "" {
			t.Fatal("ip (iproute2) is required")
		}
		t.Skip("ip (iproute2) not installed")
	}
	l := &netLab{t: t, prefix: fmt.Sprintf("pl%04x", rand.IntN(0x10000)), subnet: fmt.Sprintf("10.77.%d", 1+rand.IntN(250))}
	l.hub = l.prefix + "hub"
	t.Cleanup(l.destroy)
	if err := l.ip("netns", "add", l.hub); err != nil {
		t.Skipf("cannot create a network namespace (%v); skipping the partition tests", err)
	}
	l.must("-n", l.hub, "link", "set", "lo", "up")
	l.must("-n", l.hub, "link", "add", "br0", "type", "bridge")
	l.must("-n", l.hub, "addr", "add", l.subnet+".254/24", "dev", "br0")
	l.must("-n", l.hub, "link", "set", "br0", "up")
	for i := range n {
		nd := &labNode{lab: l, i: i, name: fmt.Sprintf("s%d", i+1), ns: fmt.Sprintf("%s%d", l.prefix, i+1),
			hubLink: fmt.Sprintf("%sh%d", l.prefix, i+1), ip: fmt.Sprintf("%s.%d", l.subnet, i+1), dataDir: t.TempDir()}
		nodeLink := fmt.Sprintf("%sn%d", l.prefix, i+1)
		l.must("netns", "add", nd.ns)
		l.must("-n", nd.ns, "link", "set", "lo", "up")
		l.must("link", "add", nodeLink, "type", "veth", "peer", "name", nd.hubLink)
		l.must("link", "set", nodeLink, "netns", nd.ns)
		l.must("link", "set", nd.hubLink, "netns", l.hub)
		l.must("-n", nd.ns, "addr", "add", nd.ip+"/24", "dev", nodeLink)
		l.must("-n", nd.ns, "link", "set", nodeLink, "up")
		l.must("-n", l.hub, "link", "set", nd.hubLink, "master", "br0")
		l.must("-n", l.hub, "link", "set", nd.hubLink, "up")
		l.nodes = append(l.nodes, nd)
	}
	return l
}

func (l *netLab) ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func (l *netLab) must(args ...string) {
	l.t.Helper()
	if err := l.ip(args...); err != nil {
		l.t.Fatal(err)
	}
}

// destroy stops every agent and deletes the namespaces (their links go
// with them).
func (l *netLab) destroy() {
	for _, nd := range l.nodes {
		if nd.proc != nil {
			syscall.Kill(nd.proc.cmd.Process.Pid, syscall.SIGCONT) // a paused agent cannot stop
			nd.proc.stop()
		}
		_ = l.ip("netns", "del", nd.ns)
	}
	_ = l.ip("netns", "del", l.hub)
}

// startServers starts a server agent in every namespace, all with
// -bootstrap-expect n and joined through every address.
func (l *netLab) startServers(extra ...string) { l.startAgents(len(l.nodes), extra...) }

// startAgents starts server agents in the first servers namespaces
// (-bootstrap-expect servers) and client agents in the rest, all joined
// through the servers' addresses.
func (l *netLab) startAgents(servers int, extra ...string) {
	l.t.Helper()
	var join []string
	for _, nd := range l.nodes[:servers] {
		join = append(join, nd.ip)
	}
	for i, nd := range l.nodes {
		if i >= servers {
			nd.name = fmt.Sprintf("c%d", i+1-servers)
		}
		nd.startAgent(i < servers, servers, join, extra...)
	}
}

// startAgent starts the node's agent, a server expecting expect servers
// or a client, joined through join.
func (nd *labNode) startAgent(server bool, expect int, join []string, extra ...string) {
	nd.args = []string{"agent"}
	if server {
		nd.args = append(nd.args, "-server", "-bootstrap-expect", fmt.Sprint(expect))
	}
	nd.args = append(nd.args, "-node", nd.name, "-bind", nd.ip, "-client", nd.ip, "-data-dir", nd.dataDir,
		"-dns-port", "-1", "-grpc-port", "-1", "-serf-wan-port", "-1", "-retry-interval", "200ms", "-log-level", "debug")
	for _, addr := range join {
		nd.args = append(nd.args, "-retry-join", addr)
	}
	nd.args = append(nd.args, extra...)
	nd.start()
}

// start runs the node's agent in its namespace (ip netns exec execs it, so
// the process is pylon itself: signals reach it directly).
func (nd *labNode) start() {
	t := nd.lab.t
	t.Helper()
	p := &agentProc{
		cmd:      exec.Command("ip", append([]string{"netns", "exec", nd.ns, pylonBinary(t)}, nd.args...)...),
		out:      &syncBuffer{},
		httpAddr: nd.ip + ":8500",
		done:     make(chan struct{}),
	}
	p.cmd.Env = childEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", nd.name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	nd.proc = p
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of %s (%s):\n%s", nd.name, nd.ip, lastLines(p.out.String(), 150))
		}
	})
}

// kill9 crashes the node's agent; restart brings it back on its data dir.
func (nd *labNode) kill9() { nd.proc.kill9(nd.lab.t) }
func (nd *labNode) restart() {
	nd.start()
}

// pause and resume freeze and thaw the agent (SIGSTOP, SIGCONT).
func (nd *labNode) pause()  { syscall.Kill(nd.proc.cmd.Process.Pid, syscall.SIGSTOP) }
func (nd *labNode) resume() { syscall.Kill(nd.proc.cmd.Process.Pid, syscall.SIGCONT) }

// isolate cuts the node off from every other node; heal reconnects it.
func (nd *labNode) isolate() { nd.lab.must("-n", nd.lab.hub, "link", "set", nd.hubLink, "down") }
func (nd *labNode) heal()    { nd.lab.must("-n", nd.lab.hub, "link", "set", nd.hubLink, "up") }

// client is an official API client that reaches the node from the hub;
// while the node is isolated it reaches it from inside its own namespace.
func (nd *labNode) client() *api.Client {
	nd.lab.t.Helper()
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialIn(ctx, nd.ns, network, addr)
	}}
	c, err := api.NewClient(&api.Config{Address: nd.proc.httpAddr, Scheme: "http",
		HttpClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}})
	if err != nil {
		nd.lab.t.Fatal(err)
	}
	return c
}

// dialIn dials from inside network namespace ns: the socket is created by
// a thread that has entered ns, and keeps that namespace for its life.
func dialIn(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	target, err := unix.Open(filepath.Join("/var/run/netns", ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open netns %s: %w", ns, err)
	}
	defer unix.Close(target)
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("open own netns: %w", err)
	}
	defer unix.Close(orig)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("enter netns %s: %w", ns, err)
	}
	conn, dialErr := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread stays locked, so Go retires it with this goroutine
		// rather than reuse it in the wrong namespace.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("leave netns %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return conn, dialErr
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
