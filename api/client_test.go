package api

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// clearEnv unsets every variable DefaultConfig reads for the test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{HTTPAddrEnvName, HTTPTokenEnvName, HTTPTokenFileEnvName, HTTPAuthEnvName, HTTPSSLEnvName,
		HTTPSSLVerifyEnvName, HTTPCAFile, HTTPCAPath, HTTPClientCert, HTTPClientKey, HTTPTLSServerName,
		PylonHTTPAddrEnvName, PylonHTTPTokenEnvName, PylonHTTPTokenFileEnvName} {
		t.Setenv(k, "")
	}
}

func TestDefaultConfigEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"defaults", nil, Config{Address: "127.0.0.1:8500", Scheme: "http"}},
		{"consul names", map[string]string{HTTPAddrEnvName: "10.0.0.1:8500", HTTPTokenEnvName: "tok", HTTPTokenFileEnvName: "/t"},
			Config{Address: "10.0.0.1:8500", Scheme: "http", Token: "tok", TokenFile: "/t"}},
		{"pylon names win", map[string]string{HTTPAddrEnvName: "a:1", PylonHTTPAddrEnvName: "b:2", HTTPTokenEnvName: "c", PylonHTTPTokenEnvName: "p",
			PylonHTTPTokenFileEnvName: "/pf"},
			Config{Address: "b:2", Scheme: "http", Token: "p", TokenFile: "/pf"}},
		{"ssl and auth", map[string]string{HTTPSSLEnvName: "true", HTTPSSLVerifyEnvName: "false", HTTPAuthEnvName: "u:p:w", HTTPCAFile: "/ca"},
			Config{Address: "127.0.0.1:8500", Scheme: "https", HttpAuth: &HttpBasicAuth{Username: "u", Password: "p:w"},
				TLSConfig: TLSConfig{CAFile: "/ca", InsecureSkipVerify: true}}},
		{"unparsable booleans ignored", map[string]string{HTTPSSLEnvName: "maybe", HTTPSSLVerifyEnvName: "dunno"},
			Config{Address: "127.0.0.1:8500", Scheme: "http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if got := DefaultConfig(); !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("DefaultConfig() = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestNewClientAddress(t *testing.T) {
	tests := []struct {
		addr, wantScheme, wantAddr, wantPrefix string
		wantErr                                error
	}{
		{"10.0.0.1:8500", "http", "10.0.0.1:8500", "", nil},
		{"http://10.0.0.1:8500", "http", "10.0.0.1:8500", "", nil},
		{"https://pylon.example:8501", "https", "pylon.example:8501", "", nil},
		{"https://proxy.example/pylon/", "https", "proxy.example", "/pylon", nil},
		{"unix:///run/pylon.sock", "http", "/run/pylon.sock", "", nil},
		{"gopher://x", "", "", "", ErrUnknownScheme},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			clearEnv(t)
			c, err := NewClient(&Config{Address: tt.addr})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.http.CloseIdleConnections)
			got := c.Config()
			if got.Scheme != tt.wantScheme || got.Address != tt.wantAddr || got.PathPrefix != tt.wantPrefix {
				t.Fatalf("got %s %s %q, want %s %s %q", got.Scheme, got.Address, got.PathPrefix, tt.wantScheme, tt.wantAddr, tt.wantPrefix)
			}
		})
	}
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		cfg       Config
		env       map[string]string
		wantToken string
		wantErr   bool
	}{
		{"explicit token", Config{Token: "t1"}, nil, "t1", false},
		{"token file wins", Config{Token: "t1", TokenFile: file}, nil, "from-file", false},
		{"empty file keeps token", Config{Token: "t1", TokenFile: empty}, nil, "t1", false},
		{"missing file", Config{TokenFile: filepath.Join(dir, "nope")}, nil, "", true},
		{"env token via DefaultConfig", Config{}, map[string]string{HTTPTokenEnvName: "envtok"}, "envtok", false},
		{"env token file via DefaultConfig", Config{}, map[string]string{HTTPTokenFileEnvName: file}, "from-file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg := tt.cfg
			if len(tt.env) > 0 {
				cfg = *DefaultConfig()
			}
			f := newFakeAgent(t, reply{body: `[]`})
			cfg.Address = f.srv.URL
			c, err := NewClient(&cfg)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.http.CloseIdleConnections)
			if _, err := c.Catalog().Datacenters(); err != nil {
				t.Fatal(err)
			}
			if got := f.request().header.Get("X-Consul-Token"); got != tt.wantToken {
				t.Fatalf("X-Consul-Token = %q, want %q", got, tt.wantToken)
			}
		})
	}
}

func TestClientDefaultsOnEveryRequest(t *testing.T) {
	f := newFakeAgent(t, reply{body: `{}`})
	c := newTestClient(t, &Config{Address: f.srv.URL + "/", Datacenter: "dc9", WaitTime: 1500 * time.Microsecond,
		HttpAuth: &HttpBasicAuth{Username: "u", Password: "p"}})
	c.AddHeader("X-Extra", "1")
	if _, err := c.Agent().Services(); err != nil {
		t.Fatal(err)
	}
	r := f.request()
	if r.query.Get("dc") != "dc9" || r.query.Get("wait") != "2ms" && r.query.Get("wait") != "1ms" {
		t.Fatalf("query = %v", r.query)
	}
	if u, p, ok := (&http.Request{Header: r.header}).BasicAuth(); !ok || u != "u" || p != "p" {
		t.Fatalf("basic auth = %q %q %v", u, p, ok)
	}
	if r.header.Get("X-Extra") != "1" || c.Headers().Get("X-Extra") != "1" {
		t.Fatalf("client header missing: %v", r.header)
	}
	// A per-call datacenter wins over the client's.
	if _, _, err := c.Catalog().Services(&QueryOptions{Datacenter: "dc1"}); err != nil {
		t.Fatal(err)
	}
	if got := f.request().query.Get("dc"); got != "dc1" {
		t.Fatalf("dc = %q, want dc1", got)
	}
}

func TestPathPrefix(t *testing.T) {
	f := newFakeAgent(t, reply{body: `"x"`})
	c := newTestClient(t, &Config{Address: f.srv.URL + "/pylon"})
	if _, err := c.Status().Leader(); err != nil {
		t.Fatal(err)
	}
	if got := f.request().path; got != "/pylon/v1/status/leader" {
		t.Fatalf("path = %q", got)
	}
}

func TestUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "pyl") // short path: socket names are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "http.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`"` + r.URL.Path + `"`))
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	c := newTestClient(t, &Config{Address: "unix://" + sock})
	got, err := c.Status().Leader()
	if err != nil {
		t.Fatal(err)
	}
	if got != "/v1/status/leader" {
		t.Fatalf("got %q", got)
	}
}

func TestHTTPSWithCA(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`["dc1"]`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case logs a handshake error
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tls     TLSConfig
		wantErr bool
	}{
		{"ca pem", TLSConfig{CAPem: caPEM}, false},
		{"ca file", TLSConfig{CAFile: caFile}, false},
		{"ca path", TLSConfig{CAPath: dir}, false},
		{"skip verify", TLSConfig{InsecureSkipVerify: true}, false},
		{"untrusted", TLSConfig{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, &Config{Address: srv.URL, TLSConfig: tt.tls})
			dcs, err := c.Catalog().Datacenters()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(dcs, []string{"dc1"}) {
				t.Fatalf("dcs = %v", dcs)
			}
		})
	}
	if _, err := NewClient(&Config{Address: srv.URL, TLSConfig: TLSConfig{CertFile: "only-cert.pem"}}); err == nil {
		t.Fatal("cert without key must fail")
	}
}

func TestStatusErrorShape(t *testing.T) {
	f := newFakeAgent(t, reply{status: 403, body: "  ACL not found\n"})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	_, err := c.Agent().Self()
	var se StatusError
	if !errors.As(err, &se) {
		t.Fatalf("err %T is not a StatusError", err)
	}
	if se.Code != 403 || se.Body != "ACL not found" || err.Error() != "Unexpected response code: 403 (ACL not found)" {
		t.Fatalf("got %#v / %q", se, err.Error())
	}
}

func TestQueryOptionsEncoding(t *testing.T) {
	f := newFakeAgent(t, reply{body: `[]`})
	c := newTestClient(t, &Config{Address: f.srv.URL})
	_, _, err := c.Catalog().Nodes(&QueryOptions{
		Namespace: "ns1", Partition: "p1", Datacenter: "dc2", Peer: "peer1", AllowStale: true,
		UseCache: true, MaxAge: 30 * time.Second, StaleIfError: 2 * time.Minute, WaitIndex: 10, WaitHash: "h",
		WaitTime: time.Minute, Token: "tok", Near: "_agent", NodeMeta: map[string]string{"k": "v"}, Filter: "f",
		MergeCentralConfig: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.request()
	want := q("ns", "ns1", "partition", "p1", "dc", "dc2", "peer", "peer1", "stale", "", "cached", "", "index", "10",
		"hash", "h", "wait", "60000ms", "near", "_agent", "node-meta", "k:v", "filter", "f", "merge-central-config", "")
	if !reflect.DeepEqual(r.query, want) {
		t.Fatalf("query = %v\nwant    %v", r.query, want)
	}
	if got := r.header.Get("Cache-Control"); got != "max-age=30, stale-if-error=120" {
		t.Fatalf("Cache-Control = %q", got)
	}
	if got := r.header.Get("X-Consul-Token"); got != "tok" {
		t.Fatalf("token = %q", got)
	}
}

func TestParseQueryMeta(t *testing.T) {
	tests := []struct {
		name    string
		header  map[string]string
		want    QueryMeta
		wantErr string
	}{
		{"empty", nil, QueryMeta{}, ""},
		{"full", map[string]string{"X-Consul-Index": "99", "X-Consul-LastContact": "250", "X-Consul-KnownLeader": "true",
			"X-Consul-ContentHash": "abc", "X-Cache": "hit", "Age": "12", "X-Consul-Translate-Addresses": "true",
			"X-Consul-Default-ACL-Policy": "deny", "X-Consul-Results-Filtered-By-ACLs": "true", "X-Consul-Query-Backend": "streaming"},
			QueryMeta{LastIndex: 99, LastContact: 250 * time.Millisecond, KnownLeader: true, LastContentHash: "abc", CacheHit: true,
				CacheAge: 12 * time.Second, AddressTranslationEnabled: true, DefaultACLPolicy: "deny", ResultsFilteredByACLs: true,
				QueryBackend: "streaming"}, ""},
		{"miss and unknown values", map[string]string{"X-Cache": "MISS", "X-Consul-KnownLeader": "false", "X-Consul-Default-ACL-Policy": "maybe",
			"X-Consul-Query-Backend": "carrier-pigeon"}, QueryMeta{}, ""},
		{"bad last contact", map[string]string{"X-Consul-LastContact": "-1"}, QueryMeta{}, "X-Consul-LastContact"},
		{"huge age", map[string]string{"Age": "18446744073709551615"}, QueryMeta{}, "Age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			var got QueryMeta
			err := parseQueryMeta(h, &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDurToMsec(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0ms"}, {time.Nanosecond, "1ms"}, {1500 * time.Millisecond, "1500ms"}, {5 * time.Minute, "300000ms"},
	}
	for _, tt := range tests {
		if got := durToMsec(tt.in); got != tt.want {
			t.Errorf("durToMsec(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
