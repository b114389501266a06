// Command clustertime measures a real cluster of pylon processes on
// loopback: three servers (-bootstrap-expect 3, each with its own
// -data-dir, fsync on) and one client agent. It reports the time from
// starting the servers to the first acknowledged write, runs a KV PUT
// load through the client with hey, then kill -9s the leader and reports
// the time to the first write acknowledged through the client after it.
//
// Usage: clustertime -pylon ./pylon [-secs 10] [-raft-multiplier 1] [-runs 3]
// [-log-level info] [-gomaxprocs 1]. With CLUSTERTIME_SLOW_LOGS=1 a start slower than 5s
// prints the agents' logs and exits 1. With -compare ./other it instead
// runs a cluster of each binary at once and loads them in turn for
// -rounds rounds (compare.go).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Ports: node i uses base+10*i+{0 http, 1 server, 2 serf lan}.
const base = 19000

var (
	logLevel   = flag.String("log-level", "warn", "log level of the agents")
	profileDir = flag.String("profile", "", "directory for CPU profiles of every agent during the load through the client (enables enable_debug)")
	rate       = flag.Float64("rate", 0, "with -compare, hold the load at this many PUTs a second (hey -q) instead of as many as the cluster answers: CPU per PUT at a fixed rate varies far less than the top rate does")
	gomaxprocs = flag.Int("gomaxprocs", 0, "GOMAXPROCS of every agent (0: Go's default, the machine's CPUs); four agents and hey share the machine")
)

type node struct {
	name string
	cmd  *exec.Cmd
	http string
	rpc  string
}

func main() {
	pylon := flag.String("pylon", "./pylon", "pylon binary")
	secs := flag.Int("secs", 10, "seconds of PUT load through the client")
	mult := flag.Int("raft-multiplier", 0, "performance.raft_multiplier for the servers (0: pylon's default)")
	runs := flag.Int("runs", 3, "how many times to measure start and failover")
	other := flag.String("compare", "", "second pylon binary: compare the PUT load through the client of the two")
	rounds := flag.Int("rounds", 6, "with -compare, how many loads of each cluster")
	flag.Parse()
	if *other != "" {
		compare([2]string{*pylon, *other}, *mult, *secs, *rounds)
		return
	}
	for run := 1; run <= *runs; run++ {
		measure(*pylon, *mult, run == 1, *secs)
	}
}

func measure(pylon string, mult int, load bool, secs int) {
	dir, err := os.MkdirTemp("", "clustertime")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	defer func() {
		if r := recover(); r != nil {
			for _, n := range []string{"n1", "n2", "n3", "n4"} {
				b, _ := os.ReadFile(filepath.Join(dir, n+".log"))
				fmt.Printf("--- %s.log\n%s", n, b)
			}
			os.Exit(1)
		}
	}()
	var nodes []*node
	defer func() {
		for _, n := range nodes {
			n.cmd.Process.Kill()
			n.cmd.Wait()
		}
	}()
	start := time.Now()
	for i := range 3 {
		nodes = append(nodes, startNode(pylon, dir, base, i, true, mult))
	}
	first := nodes[0]
	waitWrite(first.http, 30*time.Second)
	fmt.Printf("start of 3 servers to first acknowledged write: %v\n", time.Since(start).Round(time.Millisecond))
	if os.Getenv("CLUSTERTIME_SLOW_LOGS") != "" && time.Since(start) > 5*time.Second {
		panic("slow start")
	}

	client := startNode(pylon, dir, base, 3, false, mult)
	nodes = append(nodes, client)
	waitWrite(client.http, 30*time.Second)
	leader := leaderOf(client.http, nodes)
	if load {
		done := profileAll(nodes, secs)
		before, groups := cpuTimes(nodes), raftGroups(leader.http)
		n := hey("through the client", client.http, secs).ok
		reportCPU(nodes, before, n)
		reportGroups(groups, raftGroups(leader.http))
		done()
		hey("to the leader's own HTTP API", leader.http, secs)
		for _, n := range nodes[:3] {
			if n != leader {
				hey("to a follower's HTTP API", n.http, secs)
				break
			}
		}
	}

	leader.cmd.Process.Signal(syscall.SIGKILL)
	killed := time.Now()
	waitWrite(client.http, 30*time.Second)
	fmt.Printf("kill -9 of the leader (%s) to first write through the client: %v\n",
		leader.name, time.Since(killed).Round(time.Millisecond))
}

// startNode starts node i of the cluster whose ports start at portBase.
func startNode(pylon, dir string, portBase, i int, server bool, mult int) *node {
	p := portBase + 10*i
	n := &node{name: fmt.Sprintf("n%d", i+1), http: fmt.Sprintf("127.0.0.1:%d", p), rpc: fmt.Sprintf("127.0.0.1:%d", p+1)}
	args := []string{"agent", "-node", n.name, "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-data-dir", filepath.Join(dir, n.name), "-log-level", *logLevel,
		"-http-port", strconv.Itoa(p), "-server-port", strconv.Itoa(p + 1), "-serf-lan-port", strconv.Itoa(p + 2),
		"-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-retry-join", fmt.Sprintf("127.0.0.1:%d", portBase+2), "-retry-interval", "100ms"}
	if *profileDir != "" {
		args = append(args, "-hcl", "enable_debug = true")
	}
	if server {
		args = append(args, "-server", "-bootstrap-expect", "3")
		if mult > 0 {
			args = append(args, "-hcl", fmt.Sprintf("performance { raft_multiplier = %d }", mult))
		}
	}
	cmd := exec.Command(pylon, args...)
	if *gomaxprocs > 0 {
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", *gomaxprocs))
	}
	logf, err := os.Create(filepath.Join(dir, n.name+".log"))
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	n.cmd = cmd
	return n
}

var httpc = &http.Client{Timeout: 2 * time.Second}

// waitWrite PUTs a key through addr until a write is acknowledged.
func waitWrite(addr string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/v1/kv/clustertime", strings.NewReader("x"))
		resp, err := httpc.Do(req)
		if err == nil {
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.TrimSpace(b.String()) == "true" {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	log.Printf("no write acknowledged through %s within %v", addr, limit)
	panic("no write") // runs the deferred clean-up, unlike log.Fatal
}

// leaderOf finds the node whose server port is the leader's address.
func leaderOf(addr string, nodes []*node) *node {
	resp, err := httpc.Get("http://" + addr + "/v1/status/leader")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	leader := strings.Trim(strings.TrimSpace(b.String()), `"`)
	for _, n := range nodes {
		if n.rpc == leader {
			return n
		}
	}
	log.Fatalf("leader %q is none of the nodes", leader)
	return nil
}

// heyResult is what one hey run measured.
type heyResult struct {
	ok  int     // requests answered 200
	rps float64 // requests per second
	p99 float64 // seconds
}

// hey runs the PUT load, prints hey's figures and returns them.
func hey(what, addr string, secs int) heyResult {
	var r heyResult
	args := []string{"-z", fmt.Sprintf("%ds", secs), "-c", "32", "-m", "PUT", "-d", strings.Repeat("x", 100)}
	if *rate > 0 {
		args = append(args, "-q", strconv.FormatFloat(*rate/32, 'f', 2, 64)) // hey's -q is per worker
	}
	out, err := exec.Command("hey", append(args, "http://"+addr+"/v1/kv/bench/key")...).CombinedOutput()
	if err != nil {
		log.Fatalf("hey: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Requests/sec") || strings.Contains(line, "99% in") || strings.Contains(line, "[200]") ||
			strings.Contains(line, "[500]") {
			fmt.Printf("PUT %s, hey -c 32: %s\n", what, strings.TrimSpace(line))
		}
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "[200]":
			r.ok, _ = strconv.Atoi(f[1])
		case len(f) >= 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) >= 3 && f[0] == "99%" && f[1] == "in":
			r.p99, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	return r
}

// cpuTimes reads each node's user+system CPU time from /proc.
func cpuTimes(nodes []*node) []time.Duration {
	out := make([]time.Duration, len(nodes))
	for i, n := range nodes {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.cmd.Process.Pid))
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis; utime and stime
		// are the 14th and 15th of the whole line, in clock ticks (100/s).
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		out[i] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}

// reportCPU prints the CPU time the nodes spent per request since before:
// a figure the machine's noise moves far less than throughput.
func reportCPU(nodes []*node, before []time.Duration, requests int) {
	if requests == 0 {
		return
	}
	after := cpuTimes(nodes)
	var total time.Duration
	var parts []string
	for i, n := range nodes {
		d := after[i] - before[i]
		total += d
		parts = append(parts, fmt.Sprintf("%s %dµs", n.name, d.Microseconds()/int64(requests)))
	}
	fmt.Printf("pylon CPU per PUT through the client: %dµs (%s)\n", total.Microseconds()/int64(requests), strings.Join(parts, ", "))
}

// profileAll starts a CPU profile of every node for the load's duration
// when -profile is set; the returned func waits for them to be written.
func profileAll(nodes []*node, secs int) (wait func()) {
	if *profileDir == "" {
		return func() {}
	}
	if err := os.MkdirAll(*profileDir, 0o755); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			c := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
			resp, err := c.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", n.http, secs))
			if err != nil {
				log.Printf("profile %s: %v", n.name, err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if err := os.WriteFile(filepath.Join(*profileDir, n.name+".pprof"), b, 0o644); err != nil {
				log.Printf("profile %s: %v", n.name, err)
			}
		})
	}
	return wg.Wait
}

// groupCount is the leader's log index and its count of group commits.
type groupCount struct{ index, groups uint64 }

// raftGroups reads the leader's raft stats from /v1/agent/self.
func raftGroups(addr string) groupCount {
	resp, err := httpc.Get("http://" + addr + "/v1/agent/self")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var self struct {
		Stats struct{ Raft map[string]string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&self); err != nil {
		log.Fatalf("agent/self: %v", err)
	}
	idx, _ := strconv.ParseUint(self.Stats.Raft["last_log_index"], 10, 64)
	groups, _ := strconv.ParseUint(self.Stats.Raft["commit_groups"], 10, 64)
	return groupCount{idx, groups}
}

// reportGroups prints how many writes group commit handed Raft at a time:
// each group is one append and one fsync on every server.
func reportGroups(before, after groupCount) {
	if g := after.groups - before.groups; g > 0 {
		fmt.Printf("writes per commit group on the leader: %.1f (%d groups)\n", float64(after.index-before.index)/float64(g), g)
	}
}
