package command

import (
	"bytes"
	"encoding/base64"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
)

func TestJoin(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		routes   map[string]route
		wantCode int
		wantOut  string
		wantErr  string
		wantWAN  bool
	}{
		{"two addresses", []string{"10.0.0.1", "10.0.0.2:8301"},
			map[string]route{"PUT /v1/agent/join/10.0.0.1": {}, "PUT /v1/agent/join/10.0.0.2:8301": {}},
			0, "Successfully joined cluster by contacting 2 nodes.\n", "", false},
		{"one of two fails", []string{"10.0.0.1", "10.0.0.9"},
			map[string]route{"PUT /v1/agent/join/10.0.0.1": {}, "PUT /v1/agent/join/10.0.0.9": {status: 500, body: "no route"}},
			0, "Successfully joined cluster by contacting 1 nodes.\n",
			"Error joining address '10.0.0.9': Unexpected response code: 500 (no route)", false},
		{"all fail", []string{"10.0.0.9"},
			map[string]route{"PUT /v1/agent/join/10.0.0.9": {status: 500, body: "no route"}},
			1, "", "Failed to join any nodes.", false},
		{"wan", []string{"-wan", "10.0.0.1"}, map[string]route{"PUT /v1/agent/join/10.0.0.1": {}},
			0, "Successfully joined cluster by contacting 1 nodes.\n", "", true},
		{"no address", nil, nil, 1, "", "At least one address to join must be specified.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, tt.routes)
			out, errOut, code := run(t, append([]string{"join", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			for _, r := range f.requests() {
				if got := r.query.Get("wan") == "1"; r.method != "PUT" || got != tt.wantWAN {
					t.Fatalf("request %+v, want PUT with wan=%t", r, tt.wantWAN)
				}
			}
		})
	}
}

func TestLeaveAndForceLeave(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		routes    map[string]route
		wantCode  int
		wantOut   string
		wantErr   string
		wantPath  string
		wantQuery string
	}{
		{"leave", []string{"leave"}, map[string]route{"PUT /v1/agent/leave": {}}, 0, "Graceful leave complete\n", "",
			"/v1/agent/leave", ""},
		{"leave refused", []string{"leave"}, map[string]route{"PUT /v1/agent/leave": {status: 403, body: "Permission denied"}},
			1, "", "Error leaving: Unexpected response code: 403 (Permission denied)", "/v1/agent/leave", ""},
		{"force-leave", []string{"force-leave", "web-1"}, map[string]route{"PUT /v1/agent/force-leave/web-1": {}},
			0, "", "", "/v1/agent/force-leave/web-1", ""},
		{"force-leave prune wan", []string{"force-leave", "-prune", "-wan", "web-1"},
			map[string]route{"PUT /v1/agent/force-leave/web-1": {}}, 0, "", "", "/v1/agent/force-leave/web-1", "prune=1&wan=1"},
		{"force-leave unknown", []string{"force-leave", "ghost"},
			map[string]route{"PUT /v1/agent/force-leave/ghost": {status: 500, body: "agent: No node found with name 'ghost'"}},
			1, "", "Error force leaving: Unexpected response code: 500 (agent: No node found with name 'ghost')",
			"/v1/agent/force-leave/ghost", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, tt.routes)
			args := append([]string{tt.args[0], "-http-addr", f.srv.URL, "-token", "tok"}, tt.args[1:]...)
			out, errOut, code := run(t, args...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			r := f.last(t)
			if r.method != "PUT" || r.path != tt.wantPath || r.query.Encode() != tt.wantQuery || r.token != "tok" {
				t.Fatalf("request %+v, want PUT %s?%s with the token", r, tt.wantPath, tt.wantQuery)
			}
		})
	}
}

func TestGossipCommandArgs(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"leave", "extra"}, "Too many arguments"},
		{[]string{"force-leave"}, "A single node name must be specified"},
		{[]string{"force-leave", "a", "b"}, "A single node name must be specified"},
		{[]string{"keygen", "extra"}, "Too many arguments"},
		{[]string{"keyring"}, "At least one of -list"},
		{[]string{"keyring", "-list", "-install", "k"}, "Only a single action is allowed."},
		{[]string{"keyring", "-use", "k", "-remove", "k"}, "Only a single action is allowed."},
		{[]string{"keyring", "-list", "-relay-factor", "6"}, "Relay factor must be in range: [0, 5]"},
		{[]string{"keyring", "-install", "k", "-local-only"}, "-local-only flag can only be used with -list"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, nil)
			args := append([]string{tt.args[0], "-http-addr", f.srv.URL}, tt.args[1:]...)
			if tt.args[0] == "keygen" {
				args = tt.args
			}
			_, errOut, code := run(t, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (stderr %q)", code, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			if n := len(f.requests()); n != 0 {
				t.Fatalf("%d requests reached the agent", n)
			}
		})
	}
}

func TestKeygen(t *testing.T) {
	old := keyRand
	t.Cleanup(func() { keyRand = old })
	keyRand = bytes.NewReader(bytes.Repeat([]byte{0xab}, 32))
	out, errOut, code := run(t, "keygen")
	if code != 0 || out != base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, 32))+"\n" {
		t.Fatalf("exit %d out %q (stderr %q)", code, out, errOut)
	}
	keyRand = bytes.NewReader(nil)
	if _, errOut, code = run(t, "keygen"); code != 1 || !strings.Contains(errOut, "Error reading random data") {
		t.Fatalf("keygen without randomness: exit %d, stderr %q", code, errOut)
	}
}

const keyringListJSON = `[
 {"WAN":false,"Datacenter":"dc1","Segment":"","Keys":{"bbbb":3,"aaaa":2},"PrimaryKeys":{"aaaa":3},"NumNodes":3},
 {"WAN":true,"Datacenter":"dc1","Segment":"","Keys":{"aaaa":1},"PrimaryKeys":{"aaaa":1},"NumNodes":1,"Messages":{"s1.dc1":"timeout"}}
]`

func TestKeyring(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		rt         route
		wantMethod string
		wantCode   int
		wantOut    string
		wantErr    string
		wantBody   string
		wantQuery  string
	}{
		{"list", []string{"-list"}, route{body: keyringListJSON}, "GET", 0,
			"==> Gathering installed encryption keys...\n\nWAN:\n  aaaa [1/1]\n  s1.dc1: timeout\n\ndc1 (LAN):\n  aaaa [2/3]\n  bbbb [3/3]\n",
			"", "", ""},
		{"list primary local", []string{"-list-primary", "-local-only", "-relay-factor", "2"}, route{body: keyringListJSON}, "GET", 0,
			"==> Gathering installed encryption keys...\n\nWAN:\n  aaaa [1/1]\n  s1.dc1: timeout\n\ndc1 (LAN):\n  aaaa [3/3]\n",
			"", "", "local-only=true&relay-factor=2"},
		{"install", []string{"-install", "k1"}, route{}, "POST", 0,
			"==> Installing new gossip encryption key...\n==> Successfully installed key!\n", "", `{"Key":"k1"}`, ""},
		{"use", []string{"-use", "k1", "-relay-factor", "1"}, route{}, "PUT", 0,
			"==> Changing primary gossip encryption key...\n==> Successfully changed primary key!\n", "", `{"Key":"k1"}`, "relay-factor=1"},
		{"remove", []string{"-remove", "k1"}, route{}, "DELETE", 0,
			"==> Removing gossip encryption key...\n==> Successfully removed key!\n", "", `{"Key":"k1"}`, ""},
		{"remove fails", []string{"-remove", "k1"}, route{status: 500, body: "1 of 3 members failed"}, "DELETE", 1,
			"==> Removing gossip encryption key...\n", "error: Unexpected response code: 500 (1 of 3 members failed)", `{"Key":"k1"}`, ""},
		{"list fails", []string{"-list"}, route{status: 403, body: "Permission denied"}, "GET", 1,
			"==> Gathering installed encryption keys...\n", "error: Unexpected response code: 403 (Permission denied)", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{tt.wantMethod + " /v1/operator/keyring": tt.rt})
			out, errOut, code := run(t, append([]string{"keyring", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d out %q, want %d %q (stderr %q)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			mustContain(t, "stderr", errOut, tt.wantErr)
			r := f.last(t)
			if strings.TrimSpace(r.body) != tt.wantBody || r.query.Encode() != tt.wantQuery {
				t.Fatalf("request body %q query %q, want %q %q", r.body, r.query.Encode(), tt.wantBody, tt.wantQuery)
			}
		})
	}
}

// TestKeyringLive rotates the key of a real encrypted agent with the CLI.
func TestKeyringLive(t *testing.T) {
	clearEnv(t)
	const oldKey = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
	addr := agenttest.Start(t, "-encrypt", oldKey).HTTPAddr()
	newKey, _, code := run(t, "keygen")
	newKey = strings.TrimSpace(newKey)
	if code != 0 {
		t.Fatalf("keygen exit %d", code)
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"-list"}, "dc1 (LAN):\n  " + oldKey + " [1/1]\n"},
		{[]string{"-install", newKey}, "Successfully installed key!"},
		{[]string{"-use", newKey}, "Successfully changed primary key!"},
		{[]string{"-remove", oldKey}, "Successfully removed key!"},
		{[]string{"-list"}, "dc1 (LAN):\n  " + newKey + " [1/1]\n"},
		{[]string{"-list-primary"}, "dc1 (LAN):\n  " + newKey + " [1/1]\n"},
	}
	for _, s := range steps {
		out, errOut, code := run(t, append([]string{"keyring", "-http-addr", addr}, s.args...)...)
		if code != 0 {
			t.Fatalf("keyring %v: exit %d, stderr %q", s.args, code, errOut)
		}
		mustContain(t, "keyring "+strings.Join(s.args, " "), out, s.want)
	}
	_, errOut, code := run(t, "keyring", "-http-addr", addr, "-remove", newKey)
	if code != 1 {
		t.Fatalf("removing the primary key: exit %d", code)
	}
	mustContain(t, "stderr", errOut, "error: Unexpected response code: 500")

	out, _, code := run(t, "members", "-http-addr", addr)
	if code != 0 || !regexp.MustCompile(`(?m)^node1\s+127\.0\.0\.1:\d+\s+alive\s+server`).MatchString(out) {
		t.Fatalf("members: exit %d:\n%s", code, out)
	}
}

func TestLeaveOnSignal(t *testing.T) {
	tests := []struct {
		name             string
		skipOnInterrupt  bool
		leaveOnTerminate bool
		sig              os.Signal
		want             bool
	}{
		{"interrupt leaves", false, false, syscall.SIGINT, true},
		{"interrupt with skip", true, true, syscall.SIGINT, false},
		{"terminate without leave_on_terminate", false, false, syscall.SIGTERM, false},
		{"terminate with leave_on_terminate", true, true, syscall.SIGTERM, true},
		{"hangup never", false, true, syscall.SIGHUP, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &config.Runtime{SkipLeaveOnInterrupt: tt.skipOnInterrupt, LeaveOnTerminate: tt.leaveOnTerminate}
			if got := leaveOnSignal(rt, tt.sig); got != tt.want {
				t.Fatalf("leaveOnSignal = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestAgentCommandSignalLeaves runs a client agent joined to a dev server:
// SIGTERM (leave_on_terminate is the clients' default) makes it leave, and
// the server sees it left rather than failed.
func TestAgentCommandSignalLeaves(t *testing.T) {
	clearEnv(t)
	srvAddr := agenttest.Start(t).HTTPAddr()
	srv, err := api.NewClient(&api.Config{Address: srvAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Config().HttpClient.CloseIdleConnections()
	self, err := srv.Agent().Members(false)
	if err != nil || len(self) != 1 {
		t.Fatalf("server members %v, %v", self, err)
	}
	lan := self[0].Addr + ":" + strconv.Itoa(int(self[0].Port))

	args := []string{"-node=cli-client", "-bind=127.0.0.1", "-client=127.0.0.1", "-data-dir=" + t.TempDir(),
		"-http-port=0", "-dns-port=-1", "-grpc-port=-1", "-server-port=0", "-serf-lan-port=0", "-serf-wan-port=-1",
		"-log-level=warn", "-join=" + lan}
	sigs := make(chan os.Signal, 1)
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- serveAgent(&ui{out: &out, err: &out}, args, sigs) }()
	waitMatch(t, &out, regexp.MustCompile(`HTTP: (\S+)`), done)
	waitStatus(t, srv, "cli-client", 1)

	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("agent did not stop:\n%s", out.String())
	}
	mustContain(t, "output", out.String(), "gracefully leaving the cluster")
	waitStatus(t, srv, "cli-client", 3)
}

// waitStatus polls the members of c's agent until node has status.
func waitStatus(t *testing.T, c *api.Client, node string, status int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		members, err := c.Agent().Members(false)
		if err != nil {
			t.Fatalf("members: %v", err)
		}
		last = 0
		for _, m := range members {
			if m.Name == node {
				last = m.Status
			}
		}
		if last == status {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s has status %d, want %d", node, last, status)
}

// TestMembersLive lists a real agent's pool with each output form.
func TestMembersLive(t *testing.T) {
	clearEnv(t)
	addr := agenttest.Start(t).HTTPAddr()
	tests := []struct {
		args     []string
		wantCode int
		want     *regexp.Regexp
	}{
		{nil, 0, regexp.MustCompile(`(?m)^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment\n` +
			`node1\s+127\.0\.0\.1:\d+\s+alive\s+server\s+\S+\s+2\s+dc1\s+default\s+<all>$`)},
		{[]string{"-detailed"}, 0, regexp.MustCompile(`(?m)^node1\s+127\.0\.0\.1:\d+\s+alive\s+.*role=consul`)},
		{[]string{"-status", "alive"}, 0, regexp.MustCompile(`(?m)^node1\s`)},
		{[]string{"-status", "left|failed"}, 2, regexp.MustCompile(`^$`)},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"members", "-http-addr", addr}, tt.args...)...)
			if code != tt.wantCode || !tt.want.MatchString(out) {
				t.Fatalf("exit %d (want %d), stderr %q, output:\n%s", code, tt.wantCode, errOut, out)
			}
		})
	}
}

// TestAgentCommandRetryJoinGivesUp: an agent whose retry_join gives up
// after retry_max attempts stops by itself and the command exits 1.
func TestAgentCommandRetryJoinGivesUp(t *testing.T) {
	clearEnv(t)
	args := []string{"-node=cli-lonely", "-bind=127.0.0.1", "-client=127.0.0.1", "-data-dir=" + t.TempDir(),
		"-http-port=0", "-dns-port=-1", "-grpc-port=-1", "-server-port=0", "-serf-lan-port=0", "-serf-wan-port=-1",
		"-log-level=error", "-retry-join=127.0.0.1:1", "-retry-interval=10ms", "-retry-max=2"}
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- serveAgent(&ui{out: &out, err: &out}, args, make(chan os.Signal)) }()
	select {
	case code := <-done:
		if code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("agent did not stop:\n%s", out.String())
	}
	mustContain(t, "output", out.String(), "retry join")
}
