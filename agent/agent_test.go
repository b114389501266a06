package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	"github.com/pylonmesh/pylon/agent/config"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// memberlist does not wait for a probe in flight when it shuts down;
	// the probe ends by itself within a probe interval.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/hashicorp/memberlist.(*Memberlist).probeNode"))
}

// testAgent starts a dev agent on loopback with random ports and stops it
// when the test ends. extra are more agent flags.
func testAgent(t *testing.T, extra ...string) (*Agent, *consulapi.Client) {
	t.Helper()
	return startAgent(t, append([]string{
		"-dev", "-node", "node1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
	}, extra...)...)
}

// startAgent starts an agent with exactly the flags args and stops it when
// the test ends.
func startAgent(t *testing.T, args ...string) (*Agent, *consulapi.Client) {
	t.Helper()
	rt, _, err := config.Load(args)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	a, err := New(Options{Config: rt, Logger: testLogger(t), TestTimings: true, Reload: func() (*config.Runtime, []string, error) {
		return config.Load(args)
	}})
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatalf("start agent: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	cl, err := consulapi.NewClient(&consulapi.Config{Address: a.HTTPAddr()})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return a, cl
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// healthStatus returns the status of one check of a service instance as
// /v1/health/service reports it ("" when absent).
func healthStatus(t *testing.T, cl *consulapi.Client, service, checkID string) string {
	t.Helper()
	entries, _, err := cl.Health().Service(service, "", false, nil)
	if err != nil {
		t.Fatalf("health service %s: %v", service, err)
	}
	for _, e := range entries {
		for _, c := range e.Checks {
			if c.CheckID == checkID {
				return c.Status
			}
		}
	}
	return ""
}

func TestOfficialClientRegisterTTLAndHealth(t *testing.T) {
	_, cl := testAgent(t)
	err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
		ID: "web1", Name: "web", Port: 8080, Tags: []string{"v1", "prod"},
		Meta:  map[string]string{"version": "1"},
		Check: &consulapi.AgentServiceCheck{TTL: "30s"},
	})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	eventually(t, "web in catalog", func() bool {
		svcs, _, err := cl.Catalog().Service("web", "", nil)
		return err == nil && len(svcs) == 1
	})
	svcs, _, _ := cl.Catalog().Service("web", "v1", nil)
	if len(svcs) != 1 || svcs[0].ServiceID != "web1" || svcs[0].ServicePort != 8080 || svcs[0].ServiceMeta["version"] != "1" {
		t.Fatalf("catalog service = %+v", svcs)
	}
	if got := healthStatus(t, cl, "web", "service:web1"); got != consulapi.HealthCritical {
		t.Fatalf("initial TTL status = %q, want critical", got)
	}
	passing, _, err := cl.Health().Service("web", "", true, nil)
	if err != nil || len(passing) != 0 {
		t.Fatalf("passing before TTL pass = %d entries, err %v", len(passing), err)
	}
	if err := cl.Agent().PassTTL("service:web1", "all good"); err != nil {
		t.Fatalf("pass ttl: %v", err)
	}
	eventually(t, "check passing in health", func() bool {
		return healthStatus(t, cl, "web", "service:web1") == consulapi.HealthPassing
	})
	passing, _, _ = cl.Health().Service("web", "", true, nil)
	if len(passing) != 1 || passing[0].Checks.AggregatedStatus() != consulapi.HealthPassing {
		t.Fatalf("passing = %+v", passing)
	}
	if err := cl.Agent().UpdateTTL("service:web1", "slow", consulapi.HealthWarning); err != nil {
		t.Fatalf("update ttl: %v", err)
	}
	eventually(t, "check warning", func() bool {
		return healthStatus(t, cl, "web", "service:web1") == consulapi.HealthWarning
	})
	checks, _ := cl.Agent().Checks()
	if c := checks["service:web1"]; c == nil || c.Output != "slow" || c.ServiceName != "web" {
		t.Fatalf("agent check = %+v", c)
	}
}

func TestUnknownIDsAre404AndBadBodiesAre400(t *testing.T) {
	a, cl := testAgent(t)
	err := cl.Agent().ServiceDeregister("nope")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("deregister unknown: err = %v, want 404", err)
	}
	if err := cl.Agent().PassTTL("nope", ""); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("pass unknown: err = %v, want 404", err)
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+a.HTTPAddr()+"/v1/agent/service/register",
		strings.NewReader(`{"Name":"web","Port":"eighty"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Port") {
		t.Fatalf("bad body: %d %q, want 400 naming Port", resp.StatusCode, body)
	}
	if svcs, _ := cl.Agent().Services(); len(svcs) != 0 {
		t.Fatalf("a refused registration left services behind: %v", svcs)
	}
}

func TestBlockingQueryWakesOnChangeAndTimesOut(t *testing.T) {
	_, cl := testAgent(t)
	reg := func(id string) {
		t.Helper()
		if err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: id, Name: "db", Port: 5432}); err != nil {
			t.Fatal(err)
		}
	}
	reg("db1")
	var idx uint64
	eventually(t, "db in catalog", func() bool {
		svcs, meta, err := cl.Health().Service("db", "", false, nil)
		idx = meta.LastIndex
		return err == nil && len(svcs) == 1
	})

	// No change: the wait runs out and the index is unchanged.
	start := time.Now()
	_, meta, err := cl.Health().Service("db", "", false, &consulapi.QueryOptions{WaitIndex: idx, WaitTime: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if meta.LastIndex != idx || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("idle wait: index %d (want %d) after %v", meta.LastIndex, idx, time.Since(start))
	}

	// A change wakes the query with a higher index.
	done := make(chan uint64, 1)
	go func() {
		_, meta, err := cl.Health().Service("db", "", false, &consulapi.QueryOptions{WaitIndex: idx, WaitTime: 20 * time.Second})
		if err != nil {
			done <- 0
			return
		}
		done <- meta.LastIndex
	}()
	reg("db2")
	select {
	case got := <-done:
		if got <= idx {
			t.Fatalf("woken index %d, want > %d", got, idx)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("blocking query did not wake on change")
	}
}

func TestHTTPCheckFromConfigFileGoesCritical(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer web.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "web.hcl")
	hcl := `service {
  name = "web"
  port = 8080
  check {
    http = "` + web.URL + `/health"
    interval = "50ms"
  }
}
`
	if err := os.WriteFile(file, []byte(hcl), 0o600); err != nil {
		t.Fatal(err)
	}
	_, cl := testAgent(t, "-config-file", file)
	eventually(t, "http check passing", func() bool {
		return healthStatus(t, cl, "web", "service:web") == consulapi.HealthPassing
	})
	web.Close()
	eventually(t, "http check critical", func() bool {
		return healthStatus(t, cl, "web", "service:web") == consulapi.HealthCritical
	})
}

func TestSidecarServiceExpansion(t *testing.T) {
	_, cl := testAgent(t)
	err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
		ID: "api1", Name: "api", Port: 9090,
		Connect: &consulapi.AgentServiceConnect{SidecarService: &consulapi.AgentServiceRegistration{
			Proxy: &consulapi.AgentServiceConnectProxyConfig{Upstreams: []consulapi.Upstream{
				{DestinationName: "db", LocalBindPort: 9191},
			}},
		}},
	})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	svcs, err := cl.Agent().Services()
	if err != nil {
		t.Fatal(err)
	}
	sc := svcs["api1-sidecar-proxy"]
	if sc == nil {
		t.Fatalf("no sidecar among %v", svcs)
	}
	if sc.Kind != consulapi.ServiceKindConnectProxy || sc.Service != "api-sidecar-proxy" || sc.Port != 21000 {
		t.Fatalf("sidecar = kind %q name %q port %d", sc.Kind, sc.Service, sc.Port)
	}
	p := sc.Proxy
	if p == nil || p.DestinationServiceName != "api" || p.DestinationServiceID != "api1" ||
		p.LocalServiceAddress != "127.0.0.1" || p.LocalServicePort != 9090 ||
		len(p.Upstreams) != 1 || p.Upstreams[0].DestinationName != "db" {
		t.Fatalf("sidecar proxy = %+v", p)
	}
	checks, _ := cl.Agent().Checks()
	var tcp, alias bool
	for _, c := range checks {
		if c.ServiceID == "api1-sidecar-proxy" {
			tcp = tcp || c.Type == "tcp"
			alias = alias || c.Type == "alias"
		}
	}
	if !tcp || !alias {
		t.Fatalf("sidecar default checks: tcp %v alias %v in %v", tcp, alias, checks)
	}
	eventually(t, "sidecar in catalog connect", func() bool {
		svcs, _, err := cl.Catalog().Connect("api", "", nil)
		return err == nil && len(svcs) == 1 && svcs[0].ServiceID == "api1-sidecar-proxy"
	})
	if err := cl.Agent().ServiceDeregister("api1"); err != nil {
		t.Fatal(err)
	}
	if svcs, _ := cl.Agent().Services(); len(svcs) != 0 {
		t.Fatalf("deregistering the parent left %v", svcs)
	}
}

func TestMaintenanceTakesServiceOutOfPassing(t *testing.T) {
	_, cl := testAgent(t)
	if err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: "w", Name: "w", Port: 1}); err != nil {
		t.Fatal(err)
	}
	passingCount := func() int {
		e, _, err := cl.Health().Service("w", "", true, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(e)
	}
	eventually(t, "w passing", func() bool { return passingCount() == 1 })
	if err := cl.Agent().EnableServiceMaintenance("w", "upgrade"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "w in maintenance", func() bool { return passingCount() == 0 })
	if err := cl.Agent().DisableServiceMaintenance("w"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "w back", func() bool { return passingCount() == 1 })
	if err := cl.Agent().EnableNodeMaintenance("reboot"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node maintenance", func() bool { return passingCount() == 0 })
}

func TestAntiEntropyRemovesWhatTheAgentDoesNotHave(t *testing.T) {
	a, cl := testAgent(t)
	if err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: "mine", Name: "mine", Port: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := cl.Catalog().Register(&consulapi.CatalogRegistration{
		Node: "node1", Address: "127.0.0.1",
		Service: &consulapi.AgentService{ID: "stray", Service: "stray", Port: 2},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if svcs, _, _ := cl.Catalog().Service("stray", "", nil); len(svcs) != 1 {
		t.Fatalf("stray not registered: %v", svcs)
	}
	if err := a.syncer.SyncFull(context.Background()); err != nil {
		t.Fatalf("full sync: %v", err)
	}
	if svcs, _, _ := cl.Catalog().Service("stray", "", nil); len(svcs) != 0 {
		t.Fatalf("anti-entropy kept stray: %v", svcs)
	}
	if svcs, _, _ := cl.Catalog().Service("mine", "", nil); len(svcs) != 1 {
		t.Fatalf("anti-entropy removed the agent's own service")
	}
}

func TestAPIRegistrationsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-data-dir", dir}
	a, cl := testAgent(t, args...)
	if err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
		ID: "kept", Name: "kept", Port: 7, Check: &consulapi.AgentServiceCheck{TTL: "1m"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Agent().PassTTL("service:kept", "fine"); err != nil {
		t.Fatal(err)
	}
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	_, cl2 := testAgent(t, args...)
	svcs, err := cl2.Agent().Services()
	if err != nil || svcs["kept"] == nil {
		t.Fatalf("after restart services = %v, err %v", svcs, err)
	}
	checks, _ := cl2.Agent().Checks()
	if c := checks["service:kept"]; c == nil || c.Status != consulapi.HealthPassing {
		t.Fatalf("TTL status after restart = %+v", c)
	}
}

// TestAPIWritesAreInTheCatalogWhenTheyAnswer: like Consul, the agent
// syncs a write to the catalog before answering, so clients may read
// their own writes at once.
func TestAPIWritesAreInTheCatalogWhenTheyAnswer(t *testing.T) {
	_, cl := testAgent(t)
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("rw-%d", i)
		err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: id, Name: "rw", Port: 1000 + i,
			Check: &consulapi.AgentServiceCheck{TTL: "30s"}})
		if err != nil {
			t.Fatal(err)
		}
		if svcs, _, err := cl.Catalog().Service("rw", "", nil); err != nil || len(svcs) != i+1 {
			t.Fatalf("after registering %s the catalog has %d instances (%v), want %d", id, len(svcs), err, i+1)
		}
		if err := cl.Agent().PassTTL("service:"+id, ""); err != nil {
			t.Fatal(err)
		}
		if entries, _, err := cl.Health().Service("rw", "", true, nil); err != nil || len(entries) != i+1 {
			t.Fatalf("after passing %s, %d passing instances (%v), want %d", id, len(entries), err, i+1)
		}
	}
	if err := cl.Agent().ServiceDeregister("rw-0"); err != nil {
		t.Fatal(err)
	}
	if svcs, _, _ := cl.Catalog().Service("rw", "", nil); len(svcs) != 19 {
		t.Fatalf("after deregistering, %d instances, want 19", len(svcs))
	}
}

// TestSessionRightAfterStart: the node is in the catalog before the API
// opens, so a session (which needs its node) can be made at once.
func TestSessionRightAfterStart(t *testing.T) {
	_, cl := testAgent(t)
	id, _, err := cl.Session().Create(&consulapi.SessionEntry{Name: "first"}, nil)
	if err != nil || id == "" {
		t.Fatalf("session create right after start = %q, %v", id, err)
	}
}
