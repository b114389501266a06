package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// devArgs are the flags a test agent runs with.
var devArgs = []string{"-dev", "-node", "n1"}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, args ...string) (*Runtime, []string) {
	t.Helper()
	rt, warnings, err := Load(args)
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	return rt, warnings
}

func TestHCLAndJSONServiceAgree(t *testing.T) {
	hcl, _ := mustLoad(t, append(devArgs, "-config-file", "testdata/web.hcl")...)
	js, _ := mustLoad(t, append(devArgs, "-config-file", "testdata/web.json")...)
	if !reflect.DeepEqual(hcl.Services, js.Services) {
		t.Fatalf("HCL and JSON differ:\nhcl  %+v\njson %+v", hcl.Services, js.Services)
	}
	if len(hcl.Services) != 1 {
		t.Fatalf("%d services, want 1", len(hcl.Services))
	}
	s := hcl.Services[0]
	want := ServiceDefinition{
		ID: "web-1", Name: "web", Tags: []string{"v1", "primary"}, Port: 8080,
		Meta: map[string]string{"version": "1.2"}, Weights: &Weights{Passing: 3, Warning: 1},
		Checks: []CheckDefinition{{
			ID: "web-http", HTTP: "http://127.0.0.1:8080/health", Method: "GET",
			Header: map[string][]string{"X-Probe": {"1"}}, Interval: 10 * time.Second, Timeout: 2 * time.Second,
			H2PingUseTLS: true,
		}},
		Connect: &ServiceConnect{SidecarService: &ServiceDefinition{Proxy: &ProxyConfig{
			Upstreams: []Upstream{{DestinationName: "db", LocalBindPort: 9191}},
		}}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("service\n got %+v\nwant %+v", s, want)
	}
}

func TestSourcesApplyInOrder(t *testing.T) {
	dir := t.TempDir()
	// Directory files load in lexical order: b overrides a, services append.
	writeFile(t, dir, "b.hcl", `log_level = "warn"
service { name = "b" }`)
	writeFile(t, dir, "a.json", `{"log_level": "error", "ports": {"http": 1}, "service": {"name": "a"}}`)
	writeFile(t, dir, "ignored.txt", `not config`)
	later := writeFile(t, t.TempDir(), "c.hcl", `ports { http = 2 dns = 3 }`)

	rt, _ := mustLoad(t, append(devArgs, "-config-dir", dir, "-config-file", later, "-hcl", `ports { dns = 4 }`, "-dns-port", "5")...)
	if rt.LogLevel != "warn" {
		t.Errorf("log level %q, want warn (b.hcl after a.json)", rt.LogLevel)
	}
	if rt.Ports.HTTP != 2 || rt.Ports.DNS != 5 {
		t.Errorf("ports http %d dns %d, want 2 (file) and 5 (flag beats -hcl and files)", rt.Ports.HTTP, rt.Ports.DNS)
	}
	var names []string
	for _, s := range rt.Services {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("services %v, want [a b]", names)
	}
}

func TestDefaults(t *testing.T) {
	dev, _ := mustLoad(t, devArgs...)
	if !dev.Server || !dev.Bootstrap || !dev.UIEnabled || dev.DataDir != "" || dev.BindAddr != "127.0.0.1" ||
		dev.Ports.GRPC != 8502 || dev.LogLevel != "debug" {
		t.Errorf("dev defaults wrong: %+v", dev)
	}
	if dev.Ports.HTTP != 8500 || dev.Ports.DNS != 8600 || dev.Ports.Server != 8300 || dev.Ports.SidecarMin != 21000 ||
		dev.Ports.SidecarMax != 21255 || dev.Datacenter != "dc1" || dev.DNS.Domain != "consul." || dev.DNS.UDPAnswerLimit != 3 {
		t.Errorf("Consul defaults wrong: %+v", dev)
	}
	if dev.DefaultQueryTime != 5*time.Minute || dev.MaxQueryTime != 10*time.Minute {
		t.Errorf("query times %v %v", dev.DefaultQueryTime, dev.MaxQueryTime)
	}
	plain, _ := mustLoad(t, "-data-dir", t.TempDir(), "-bind", "127.0.0.2", "-node", "n1")
	if plain.Server || plain.UIEnabled || plain.Ports.GRPC != -1 || plain.LogLevel != "info" || plain.AdvertiseAddr != "127.0.0.2" {
		t.Errorf("non-dev defaults wrong: %+v", plain)
	}
}

func TestFlags(t *testing.T) {
	rt, _ := mustLoad(t, "-dev", "-node", "x", "-datacenter", "EU1", "-client", "127.0.0.1 127.0.0.2",
		"-http-port", "0", "-node-meta", "rack:r1", "-node-meta", "zone:a", "-recursor", "1.1.1.1",
		"-recursor", "8.8.8.8", "-server=false", "-bootstrap=false", "-log-json")
	if rt.NodeName != "x" || rt.Datacenter != "eu1" || rt.Ports.HTTP != 0 || rt.Server || !rt.LogJSON {
		t.Errorf("flags not applied: %+v", rt)
	}
	if !reflect.DeepEqual(rt.ClientAddrs, []string{"127.0.0.1", "127.0.0.2"}) || !reflect.DeepEqual(rt.HTTPAddrs, rt.ClientAddrs) {
		t.Errorf("client addrs %v http addrs %v", rt.ClientAddrs, rt.HTTPAddrs)
	}
	if !reflect.DeepEqual(rt.NodeMeta, map[string]string{"rack": "r1", "zone": "a"}) {
		t.Errorf("node meta %v", rt.NodeMeta)
	}
	if !reflect.DeepEqual(rt.DNS.Recursors, []string{"1.1.1.1", "8.8.8.8"}) {
		t.Errorf("recursors %v", rt.DNS.Recursors)
	}
}

func TestHCL1OneLineBlocks(t *testing.T) {
	f := writeFile(t, t.TempDir(), "c.hcl", `ports { http = 8501 dns = 8601 }
acl { enabled = true default_policy = "deny" }
service { name = "web" port = 80 check { ttl = "5s" } }
bogus = 1`)
	_, _, err := Load(append(devArgs, "-config-file", f))
	// The rewrite must keep line numbers: the unknown key is on line 4.
	if err == nil || !strings.Contains(err.Error(), f+":4: bogus: unknown key") {
		t.Fatalf("err = %v, want the unknown key at line 4", err)
	}
	f = writeFile(t, t.TempDir(), "c.hcl", `ports { http = 8501 dns = 8601 }
acl { enabled = true default_policy = "deny" }
service { name = "web" port = 80 check { ttl = "5s" } }`)
	rt, warnings := mustLoad(t, append(devArgs, "-config-file", f)...)
	if rt.Ports.HTTP != 8501 || rt.Ports.DNS != 8601 || len(rt.Services) != 1 || rt.Services[0].Checks[0].TTL != 5*time.Second {
		t.Errorf("one-line blocks misread: ports %+v services %+v", rt.Ports, rt.Services)
	}
	if !rt.ACL.Enabled || rt.ACL.DefaultPolicy != "deny" || len(warnings) != 0 {
		t.Errorf("one-line acl block misread: %+v, warnings %q", rt.ACL, warnings)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, file, body string
		args             []string
		want             string
	}{
		{"unknown key", "c.hcl", "service {\n  name = \"web\"\n  prot = 80\n}", nil, `c.hcl:3: service[0].prot: unknown key`},
		{"wrong type", "c.json", "{\n\"service\": {\"name\": \"web\",\n \"port\": [1]}}", nil, `c.json:3: service[0].port: expected a number, got a list`},
		{"bad duration", "c.hcl", "check {\n name = \"c\"\n ttl = \"ten\"\n}", nil, `c.hcl:3: check[0].ttl: invalid duration "ten"`},
		{"hcl syntax", "c.hcl", "service {\n name = \n}", nil, `c.hcl:2`},
		{"json syntax", "c.json", "{\n\"a\": }", nil, `c.json:2: invalid JSON`},
		{"invalid service", "c.hcl", "\nservice {\n port = 80\n}", nil, `c.hcl:2: service "": missing service name`},
		{"check without type", "c.hcl", "service {\n name = \"w\"\n check { interval = \"1s\" }\n}", nil, `no check type`},
		{"two check types", "c.hcl", "check {\n name = \"c\"\n ttl = \"1s\"\n tcp = \"a:1\"\n interval = \"1s\"\n}", nil, `more than one check type set (tcp, ttl)`},
		{"duplicate id", "c.hcl", "service { name = \"a\" }\nservice { name = \"a\" }", nil, `c.hcl:2: service ID "a" is already defined at`},
		{"bad port", "c.hcl", "ports { http = 70000 }", nil, `ports.http: 70000 is not a port`},
		{"bad bind", "c.hcl", `bind_addr = "{{ GetPrivateIP }}"`, nil, `address templates are not supported`},
		{"bad meta", "c.hcl", `node_meta = { "consul-x" = "1" }`, nil, `the consul- prefix is reserved`},
		{"no data dir", "c.hcl", `node_name = "x"`, []string{"-bind", "127.0.0.1"}, `data_dir is required`},
		{"bad log level", "c.hcl", `log_level = "loud"`, nil, `log_level "loud"`},
		{"top level list", "c.json", `[1]`, nil, `the top level must be an object`},
		{"unknown format", "c.yaml", `a: 1`, nil, `unknown format`},
		{"negative trailing logs", "c.hcl", `raft_trailing_logs = -1`, nil, `raft_trailing_logs: must not be negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tt.file, tt.body)
			args := tt.args
			if args == nil {
				args = devArgs
			}
			_, _, err := Load(append(append([]string(nil), args...), "-config-file", f))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-dev", "-http-port", "x"},
		{"-dev", "-no-such-flag"},
		{"-dev", "-node-meta", "novalue"},
		{"-dev", "extra"},
	} {
		if _, _, err := Load(args); err == nil {
			t.Errorf("Load(%q) succeeded", args)
		}
	}
}

func TestRaftAndSessionKeys(t *testing.T) {
	f := writeFile(t, t.TempDir(), "c.hcl", `
raft_snapshot_threshold = 100
raft_snapshot_interval  = "5s"
raft_trailing_logs      = 50
session_ttl_min         = "1s"
`)
	rt, _ := mustLoad(t, append(append([]string(nil), devArgs...), "-config-file", f)...)
	if rt.RaftSnapshotThreshold != 100 || rt.RaftSnapshotInterval != 5*time.Second || rt.RaftTrailingLogs != 50 || rt.SessionTTLMin != time.Second {
		t.Fatalf("raft/session keys = %d %v %d %v", rt.RaftSnapshotThreshold, rt.RaftSnapshotInterval, rt.RaftTrailingLogs, rt.SessionTTLMin)
	}
}

func TestLoadFilesNeedsNoDataDir(t *testing.T) {
	f := writeFile(t, t.TempDir(), "s.hcl", `service { name = "a" }`)
	rt, _, err := LoadFiles([]string{filepath.Dir(f)})
	if err != nil || len(rt.Services) != 1 {
		t.Fatalf("LoadFiles: %v, %+v", err, rt)
	}
	if _, _, err := LoadFiles([]string{filepath.Join(t.TempDir(), "missing.hcl")}); err == nil {
		t.Fatal("LoadFiles of a missing file succeeded")
	}
}
