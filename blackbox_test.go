//go:build unix

package main

// Black-box tests: they build the real pylon binary and talk to it only the
// way users do, through its command line and Consul's HTTP API (with the
// official Go client and Debian's python3-consul).

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// passingInstance reports whether the health endpoint, filtered to passing
// instances, lists service ID id of service name.
func passingInstance(c *api.Client, name, id string) error {
	entries, _, err := c.Health().Service(name, "", true, nil)
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range entries {
		if e.Service.ID == id {
			return nil
		}
		ids = append(ids, e.Service.ID)
	}
	return fmt.Errorf("passing instances of %q are %q, want %q among them", name, ids, id)
}

// TestBinaryKill9KeepsRegistrations crashes a server with SIGKILL and checks
// that both kinds of state come back from the data directory: the catalog
// (raft log and snapshots) and the agent's own API registrations.
func TestBinaryKill9KeepsRegistrations(t *testing.T) {
	dataDir := t.TempDir()
	mode := []string{"-server", "-bootstrap", "-data-dir", dataDir}
	first := startAgent(t, mode...)
	c := first.client(t)

	web := &api.AgentServiceRegistration{
		ID:    "web-1",
		Name:  "web",
		Port:  8080,
		Tags:  []string{"v1", "primary"},
		Meta:  map[string]string{"version": "1.2.3", "team": "edge"},
		Check: &api.AgentServiceCheck{TTL: "30s"},
	}
	if err := c.Agent().ServiceRegister(web); err != nil {
		t.Fatalf("register web-1: %v", err)
	}
	ext := &api.CatalogRegistration{
		Node:     "ext",
		Address:  "127.0.0.1",
		NodeMeta: map[string]string{"external-node": "true"},
		Service:  &api.AgentService{ID: "db-1", Service: "db", Port: 5432, Tags: []string{"pg"}},
	}
	if _, err := c.Catalog().Register(ext, nil); err != nil {
		t.Fatalf("catalog register ext/db: %v", err)
	}
	if err := c.Agent().UpdateTTL("service:web-1", "ok", api.HealthPassing); err != nil {
		t.Fatalf("pass TTL check: %v", err)
	}
	waitFor(t, 10*time.Second, "web-1 passing before the crash", func() error {
		return passingInstance(c, "web", "web-1")
	})
	before := catalogDB(t, c)

	first.kill9(t)
	for _, sub := range []string{"raft", filepath.Join("raft", "wal"), "services"} {
		if fi, err := os.Stat(filepath.Join(dataDir, sub)); err != nil || !fi.IsDir() {
			t.Errorf("%s in the data dir after the crash: %v (want a directory)", sub, err)
		}
	}
	if ents, err := os.ReadDir(filepath.Join(dataDir, "raft", "wal")); err != nil || len(ents) == 0 {
		t.Errorf("raft/wal holds %d entries (%v), want the log segments", len(ents), err)
	}

	second := startAgent(t, mode...)
	c = second.client(t)

	// The external node came back from raft: the same entry, not a new one.
	after := catalogDB(t, c)
	if after.CreateIndex != before.CreateIndex || after.ModifyIndex != before.ModifyIndex {
		t.Errorf("db indexes after restart = %d/%d, want %d/%d as before the crash",
			after.CreateIndex, after.ModifyIndex, before.CreateIndex, before.ModifyIndex)
	}

	// The agent registration came back from the agent's own files.
	services, err := c.Agent().Services()
	if err != nil {
		t.Fatalf("agent services: %v", err)
	}
	got, ok := services["web-1"]
	if !ok {
		t.Fatalf("agent services after restart = %v, want web-1", slices.Sorted(maps.Keys(services)))
	}
	if got.Service != "web" || got.Port != 8080 || !slices.Equal(got.Tags, web.Tags) || !maps.Equal(got.Meta, web.Meta) {
		t.Errorf("web-1 after restart = name %q port %d tags %q meta %v, want web 8080 %q %v",
			got.Service, got.Port, got.Tags, got.Meta, web.Tags, web.Meta)
	}
	checks, err := c.Agent().Checks()
	if err != nil {
		t.Fatalf("agent checks: %v", err)
	}
	if hc := checks["service:web-1"]; hc == nil || hc.ServiceID != "web-1" || hc.Status != api.HealthPassing {
		// Consul restores a TTL check's last status if its TTL has not run
		// out, so the check is still passing.
		t.Errorf("check service:web-1 after restart = %+v, want passing for web-1", hc)
	}
	waitFor(t, 10*time.Second, "web-1 passing after the restart", func() error {
		return passingInstance(c, "web", "web-1")
	})
}

// catalogDB reads /v1/catalog/service/db and checks it holds just the
// external node's db-1.
func catalogDB(t *testing.T, c *api.Client) *api.CatalogService {
	t.Helper()
	dbs, _, err := c.Catalog().Service("db", "", nil)
	if err != nil {
		t.Fatalf("catalog service db: %v", err)
	}
	if len(dbs) != 1 {
		t.Fatalf("catalog service db has %d instances, want 1: %+v", len(dbs), dbs)
	}
	db := dbs[0]
	if db.Node != "ext" || db.Address != "127.0.0.1" || db.ServiceID != "db-1" || db.ServicePort != 5432 ||
		!slices.Equal(db.ServiceTags, []string{"pg"}) || db.NodeMeta["external-node"] != "true" {
		t.Fatalf("catalog db = node %q addr %q id %q port %d tags %q meta %v, want ext 127.0.0.1 db-1 5432 [pg] external-node=true",
			db.Node, db.Address, db.ServiceID, db.ServicePort, db.ServiceTags, db.NodeMeta)
	}
	return db
}

// TestBinaryDevHelpAndVersion checks the commands that need no agent:
// version, the agent's refusal to start without a data dir, and validate.
func TestBinaryDevHelpAndVersion(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		out, errOut, code := runPylon(t, "version")
		if code != 0 || !strings.HasPrefix(out, "Pylon v0.1.0\n") {
			t.Fatalf("pylon version: exit %d stdout %q stderr %q, want 0 and \"Pylon v0.1.0\" first", code, out, errOut)
		}
	})
	t.Run("agent help", func(t *testing.T) {
		out, errOut, code := runPylon(t, "agent", "-h")
		if code != 0 || !strings.Contains(out, "Usage: pylon agent") || !strings.Contains(out, "-dev") {
			t.Fatalf("pylon agent -h: exit %d stdout %q stderr %q, want 0 and the usage", code, out, errOut)
		}
	})
	t.Run("agent needs a data dir", func(t *testing.T) {
		// Ports and addresses are pinned so that a regression that starts
		// an agent anyway stays on 127.0.0.1 (and is stopped by runPylon's
		// timeout).
		out, errOut, code := runPylon(t, "agent", "-node", "n1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
			"-http-port", strconv.Itoa(freePort(t)), "-server-port", strconv.Itoa(freePort(t)),
			"-dns-port", "-1", "-grpc-port", "-1")
		if code == 0 || !strings.Contains(errOut, "data_dir") {
			t.Fatalf("pylon agent without -dev or -data-dir: exit %d stdout %q stderr %q, want non-zero and an error naming data_dir", code, out, errOut)
		}
	})

	dir := t.TempDir()
	good := filepath.Join(dir, "good.hcl")
	writeFile(t, good, `service {
  name = "web"
  port = 8080
  tags = ["v1"]
  check {
    ttl = "30s"
  }
}
`)
	bad := filepath.Join(dir, "bad.hcl")
	writeFile(t, bad, `service {
  name = "web"
  port = 8080
  bogus_key = 3
}
`)
	t.Run("validate good", func(t *testing.T) {
		out, errOut, code := runPylon(t, "validate", good)
		if code != 0 || out != "Configuration is valid!\n" {
			t.Fatalf("pylon validate good.hcl: exit %d stdout %q stderr %q, want 0 \"Configuration is valid!\"", code, out, errOut)
		}
	})
	t.Run("validate unknown key", func(t *testing.T) {
		out, errOut, code := runPylon(t, "validate", bad)
		if code != 1 || out != "" || !strings.Contains(errOut, bad+":4") || !strings.Contains(errOut, "bogus_key") {
			t.Fatalf("pylon validate bad.hcl: exit %d stdout %q stderr %q, want 1 and an error naming %s:4 and bogus_key", code, out, errOut, bad)
		}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBinaryBlockingQueryWithGoClient parks a blocking health query in the
// official Go client and checks that a registration wakes it.
func TestBinaryBlockingQueryWithGoClient(t *testing.T) {
	p := startAgent(t, "-dev")
	c := p.client(t)
	// Let the agent's own node reach the catalog first, so that the
	// blocked query below has only our registration to wake it.
	waitFor(t, 10*time.Second, "agent node n1 in the catalog", func() error {
		node, _, err := c.Catalog().Node("n1", nil)
		if err != nil {
			return err
		}
		if node == nil {
			return fmt.Errorf("node n1 not in the catalog")
		}
		return nil
	})
	entries, meta, err := c.Health().Service("web", "", false, nil)
	if err != nil || len(entries) != 0 || meta.LastIndex == 0 {
		t.Fatalf("health service web before = %d entries, %+v, %v; want none and an index", len(entries), meta, err)
	}
	idx := meta.LastIndex

	type result struct {
		entries []*api.ServiceEntry
		meta    *api.QueryMeta
		err     error
	}
	const wait = 10 * time.Second
	done := make(chan result, 1)
	go func() {
		e, m, err := c.Health().Service("web", "", false, &api.QueryOptions{WaitIndex: idx, WaitTime: wait})
		done <- result{e, m, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("blocking query returned before any change: %d entries, %+v, %v (index %d)", len(r.entries), r.meta, r.err, idx)
	case <-time.After(300 * time.Millisecond):
	}

	registered := time.Now()
	if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "web-1", Name: "web", Port: 8080}); err != nil {
		t.Fatalf("register web-1: %v", err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(wait + 5*time.Second):
		t.Fatal("blocking query never returned")
	}
	took := time.Since(registered)
	if r.err != nil {
		t.Fatalf("blocking query: %v", r.err)
	}
	if took > 3*time.Second {
		t.Errorf("blocking query returned %v after the registration, want well before its %v wait", took, wait)
	}
	if r.meta.LastIndex <= idx {
		t.Errorf("blocking query LastIndex = %d, want > %d", r.meta.LastIndex, idx)
	}
	if len(r.entries) != 1 || r.entries[0].Service.ID != "web-1" || r.entries[0].Service.Port != 8080 || r.entries[0].Node.Node != "n1" {
		t.Fatalf("blocking query returned %d entries %s, want web-1 on n1 port 8080", len(r.entries), describe(r.entries))
	}
}

func describe(entries []*api.ServiceEntry) string {
	var parts []string
	for _, e := range entries {
		parts = append(parts, fmt.Sprintf("%s/%s:%d", e.Node.Node, e.Service.ID, e.Service.Port))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// pythonClientScript drives python-consul against the agent whose HTTP port
// is argv[1] and prints what it saw as one JSON object.
//
// python-consul 0.7.1 (Debian's) sends GET for /v1/agent/check/pass/:id and
// /v1/agent/service/deregister/:id. Consul has required PUT there since 1.0
// and answers GET with 405, which the library reports as False; the script
// records that answer and then makes the same call with PUT through the
// library's own HTTP client.
const pythonClientScript = `
import json, sys, threading, time
import consul
from consul.base import CB

port = int(sys.argv[1])
c = consul.Consul(host='127.0.0.1', port=port)
out = {'version': consul.__version__}

def put(client, path):
    return client.http.put(CB.bool(), path)

out['register'] = c.agent.service.register(
    'py', service_id='py-1', port=9000, tags=['a'], check=consul.Check.ttl('10s'))
out['ttl_pass_lib'] = c.agent.check.ttl_pass('service:py-1')
out['ttl_pass_put'] = out['ttl_pass_lib'] or put(c, '/v1/agent/check/pass/service:py-1')

_, nodes = c.health.service('py', passing=True)
out['health_immediate'] = len(nodes)
deadline = time.time() + 10
while len(nodes) != 1 and time.time() < deadline:
    time.sleep(0.05)
    _, nodes = c.health.service('py', passing=True)
out['health'] = [{
    'node': n['Node']['Node'],
    'id': n['Service']['ID'],
    'port': n['Service']['Port'],
    'tags': n['Service']['Tags'],
    'checks': {ch['CheckID']: ch['Status'] for ch in n['Checks']},
} for n in nodes]

_, cat = c.catalog.service('py')
out['catalog'] = [{'id': s['ServiceID'], 'port': s['ServicePort'], 'tags': s['ServiceTags']} for s in cat]

index, services = c.catalog.services()
out['index'] = int(index)
out['services'] = services

start = time.time()
idle_index, _ = c.catalog.services(index=index, wait='1s')
out['idle'] = {'index': int(idle_index), 'seconds': time.time() - start}

dereg = {}
def deregister():
    time.sleep(0.3)  # let the blocking read below park first
    d = consul.Consul(host='127.0.0.1', port=port)
    dereg['lib'] = d.agent.service.deregister('py-1')
    dereg['put'] = dereg['lib'] or put(d, '/v1/agent/service/deregister/py-1')

th = threading.Thread(target=deregister)
th.start()
start = time.time()
changed_index, changed = c.catalog.services(index=index, wait='10s')
out['changed'] = {'index': int(changed_index), 'seconds': time.time() - start, 'services': sorted(changed)}
th.join()
out['deregister_lib'] = dereg.get('lib')
out['deregister_put'] = dereg.get('put')

print(json.dumps(out))
`

// pythonResult is what pythonClientScript prints.
type pythonResult struct {
	Version         string
	Register        bool
	TTLPassLib      bool `json:"ttl_pass_lib"`
	TTLPassPut      bool `json:"ttl_pass_put"`
	HealthImmediate int  `json:"health_immediate"`
	Health          []struct {
		Node   string
		ID     string
		Port   int
		Tags   []string
		Checks map[string]string
	}
	Catalog []struct {
		ID   string
		Port int
		Tags []string
	}
	Index    uint64
	Services map[string][]string
	Idle     struct {
		Index   uint64
		Seconds float64
	}
	Changed struct {
		Index    uint64
		Seconds  float64
		Services []string
	}
	DeregisterLib bool `json:"deregister_lib"`
	DeregisterPut bool `json:"deregister_put"`
}

// debianPython is Debian's interpreter, which has python3-consul; the
// python3 first on PATH may be another one.
const debianPython = "/usr/bin/python3"

// requirePythonConsul skips the test where Debian's python3-consul is
// missing, and fails it instead when PYLON_REQUIRE_TOOLS=1 (as in CI).
func requirePythonConsul(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(debianPython, "-c", "import consul").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("%s cannot import consul (apt-get install python3-consul): %v %s", debianPython, err, out)
		if os.Getenv("PYLON_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// runPython runs script with Debian's python3 against the agent p (its
// HTTP port is the first argument, args follow) and decodes the JSON it
// prints into out.
func runPython(t *testing.T, p *agentProc, script string, out any, args ...string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "client.py")
	writeFile(t, path, script)
	cmd := exec.Command(debianPython, append([]string{path, strings.TrimPrefix(p.httpAddr, "127.0.0.1:")}, args...)...)
	cmd.Env = childEnv()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python client: %v\nstdout %s\nstderr %s", err, stdout, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("decode python output %q: %v", stdout, err)
	}
}

// TestPythonConsulClient drives a -dev agent with Debian's python3-consul.
func TestPythonConsulClient(t *testing.T) {
	requirePythonConsul(t)
	p := startAgent(t, "-dev")
	var r pythonResult
	runPython(t, p, pythonClientScript, &r)
	t.Logf("python-consul %s", r.Version)

	if !r.Register {
		t.Errorf("agent.service.register returned false")
	}
	if !r.TTLPassLib {
		t.Logf("python-consul %s's agent.check.ttl_pass sends GET, which Consul answers 405; passed with PUT instead", r.Version)
	}
	if !r.TTLPassPut {
		t.Errorf("PUT /v1/agent/check/pass/service:py-1 failed")
	}
	if r.HealthImmediate != 1 {
		// The agent syncs to the catalog before answering a write, as
		// Consul does, so a read right after it sees the change.
		t.Errorf("health.service('py', passing=True) right after ttl_pass saw %d instances, want 1", r.HealthImmediate)
	}
	if len(r.Health) != 1 {
		t.Fatalf("health.service('py', passing=True) = %+v, want one instance", r.Health)
	}
	h := r.Health[0]
	if h.Node != "n1" || h.ID != "py-1" || h.Port != 9000 || !slices.Equal(h.Tags, []string{"a"}) || h.Checks["service:py-1"] != "passing" {
		t.Errorf("health instance = %+v, want py-1 on n1, port 9000, tags [a], service:py-1 passing", h)
	}
	if len(r.Catalog) != 1 || r.Catalog[0].ID != "py-1" || r.Catalog[0].Port != 9000 || !slices.Equal(r.Catalog[0].Tags, []string{"a"}) {
		t.Errorf("catalog.service('py') = %+v, want py-1 port 9000 tags [a]", r.Catalog)
	}
	if r.Index == 0 || !slices.Equal(r.Services["py"], []string{"a"}) {
		t.Errorf("catalog.services() = index %d %v, want an index and py with tags [a]", r.Index, r.Services)
	}
	// Nothing changed during the idle read: it waits its second (plus
	// Consul's jitter of at most wait/16) and returns the same index.
	if r.Idle.Index != r.Index || r.Idle.Seconds < 0.9 || r.Idle.Seconds > 5 {
		t.Errorf("idle blocking read = index %d after %.2fs, want index %d after about 1s", r.Idle.Index, r.Idle.Seconds, r.Index)
	}
	if !r.DeregisterLib {
		t.Logf("python-consul %s's agent.service.deregister sends GET, which Consul answers 405; deregistered with PUT instead", r.Version)
	}
	if !r.DeregisterPut {
		t.Errorf("PUT /v1/agent/service/deregister/py-1 failed")
	}
	// The deregistration (0.3s in) woke the read long before its 10s.
	if r.Changed.Index <= r.Index || r.Changed.Seconds > 5 || slices.Contains(r.Changed.Services, "py") {
		t.Errorf("blocking read across the deregistration = index %d after %.2fs with %q, want index > %d well before 10s, without py",
			r.Changed.Index, r.Changed.Seconds, r.Changed.Services, r.Index)
	}
}
