package config

import (
	"strings"
	"testing"
	"time"
)

func TestDecodeServiceJSON(t *testing.T) {
	// The official client's PascalCase body, with nanosecond durations in
	// one check, strings in the other, and keys Pylon does not know.
	body := `{"ID":"web-1","Name":"web","Tags":["a"],"Port":8080,"Address":"10.0.0.1",
		"Meta":{"v":"1"},"Namespace":"","EnableTagOverride":true,
		"TaggedAddresses":{"wan":{"Address":"1.2.3.4","Port":80}},
		"Weights":{"Passing":5,"Warning":2},
		"Check":{"CheckID":"c1","Name":"ttl","TTL":"15s","DeregisterCriticalServiceAfter":60000000000},
		"Checks":[{"Name":"h","HTTP":"http://127.0.0.1/","Interval":"10s","Args":["x"]}],
		"Connect":{"SidecarService":{"Port":21001}}}`
	def, err := DecodeServiceJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if def.ID != "web-1" || def.Name != "web" || def.Port != 8080 || !def.EnableTagOverride ||
		def.TaggedAddresses["wan"] != (ServiceAddress{"1.2.3.4", 80}) || *def.Weights != (Weights{5, 2}) {
		t.Errorf("service decoded wrong: %+v", def)
	}
	if len(def.Checks) != 2 {
		t.Fatalf("%d checks, want Check and Checks merged into 2", len(def.Checks))
	}
	c := def.Checks[0]
	if c.ID != "c1" || c.TTL != 15*time.Second || c.DeregisterCriticalServiceAfter != time.Minute || !c.H2PingUseTLS {
		t.Errorf("check decoded wrong: %+v", c)
	}
	if got := def.Checks[1].ScriptArgs; len(got) != 1 || got[0] != "x" {
		t.Errorf("Args alias not decoded: %v", got)
	}
	if def.Connect == nil || def.Connect.SidecarService == nil || def.Connect.SidecarService.Port != 21001 {
		t.Errorf("sidecar not decoded: %+v", def.Connect)
	}

	snake, err := DecodeServiceJSON([]byte(`{"name":"web","enable_tag_override":true,"check":{"tcp":"a:1","interval":"1s"}}`))
	if err != nil || !snake.EnableTagOverride || len(snake.Checks) != 1 || snake.Checks[0].TCP != "a:1" {
		t.Errorf("snake_case body: %v %+v", err, snake)
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"Name":"web","Port":"80"}`, `Request decode failed: "Port": expected a number, got a string`},
		{`{"Name":"web","Check":{"Interval":"soon"}}`, `"Check[0].Interval": invalid duration "soon"`},
		{`{"Name":"web","Tags":"a"}`, `"Tags": expected a list, got a string`},
		{`{"Name":"web","Weights":[]}`, `"Weights": expected an object, got a list`},
		{`{"Name":`, `Request decode failed`},
		{`[]`, `must be a JSON object`},
		{`{"Name":"a"} {}`, `unexpected data after the top-level value`},
		{`{"Port":1e400}`, `"Port"`},
		{strings.Repeat(`{"Meta":`, 100), `nesting too deep`},
	}
	for _, tt := range tests {
		_, err := DecodeServiceJSON([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeServiceJSON(%.40s) = %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestDecodeCheckJSON(t *testing.T) {
	c, err := DecodeCheckJSON([]byte(`{"Name":"mem","ServiceID":"web-1","H2PING":"127.0.0.1:443","Interval":"5s","Header":{"A":["1","2"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Type() != "h2ping" || !c.H2PingUseTLS || c.ServiceID != "web-1" || len(c.Header["A"]) != 2 {
		t.Errorf("check decoded wrong: %+v", c)
	}
	c, err = DecodeCheckJSON([]byte(`{"Name":"mem","H2PING":"127.0.0.1:443","Interval":"5s","H2PingUseTLS":false}`))
	if err != nil || c.H2PingUseTLS {
		t.Errorf("explicit H2PingUseTLS=false lost: %v %+v", err, c)
	}
}

func TestServiceValidate(t *testing.T) {
	ok := func() ServiceDefinition { return ServiceDefinition{Name: "web", Port: 80} }
	tests := []struct {
		name   string
		mutate func(*ServiceDefinition)
		want   string // "" means valid
	}{
		{"valid", func(*ServiceDefinition) {}, ""},
		{"no name", func(s *ServiceDefinition) { s.Name = "" }, "missing service name"},
		{"bad kind", func(s *ServiceDefinition) { s.Kind = "sidecar" }, `invalid service kind`},
		{"port range", func(s *ServiceDefinition) { s.Port = 65536 }, "not a port"},
		{"port and socket", func(s *ServiceDefinition) { s.SocketPath = "/s" }, "mutually exclusive"},
		{"weights", func(s *ServiceDefinition) { s.Weights = &Weights{Passing: 0} }, "passing must be at least 1"},
		{"meta key", func(s *ServiceDefinition) { s.Meta = map[string]string{"a b": "1"} }, "only letters"},
		{"meta value", func(s *ServiceDefinition) { s.Meta = map[string]string{"a": strings.Repeat("x", 513)} }, "longer than 512"},
		{"proxy without destination", func(s *ServiceDefinition) { s.Kind = KindConnectProxy }, "destination_service_name"},
		{"proxy without port", func(s *ServiceDefinition) {
			s.Kind, s.Port, s.Proxy = KindConnectProxy, 0, &ProxyConfig{DestinationServiceName: "web"}
		}, "port or socket_path must be set"},
		{"upstream without port", func(s *ServiceDefinition) {
			s.Kind, s.Proxy = KindConnectProxy, &ProxyConfig{DestinationServiceName: "w", Upstreams: []Upstream{{DestinationName: "db"}}}
		}, "local_bind_port must be set"},
		{"native with sidecar", func(s *ServiceDefinition) {
			s.Connect = &ServiceConnect{Native: true, SidecarService: &ServiceDefinition{}}
		}, "native service cannot also"},
		{"nested sidecar", func(s *ServiceDefinition) {
			s.Connect = &ServiceConnect{SidecarService: &ServiceDefinition{Connect: &ServiceConnect{SidecarService: &ServiceDefinition{}}}}
		}, "its own sidecar_service"},
		{"bad check", func(s *ServiceDefinition) { s.Checks = []CheckDefinition{{TCP: "a:1"}} }, "check 1: interval must be set for a tcp check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok()
			tt.mutate(&s)
			err := s.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckValidate(t *testing.T) {
	tests := []struct {
		c    CheckDefinition
		want string
	}{
		{CheckDefinition{TTL: time.Second}, ""},
		{CheckDefinition{AliasService: "web"}, ""},
		{CheckDefinition{HTTP: "http://x/", Interval: time.Second}, ""},
		{CheckDefinition{}, "no check type"},
		{CheckDefinition{HTTP: "x", Interval: time.Second}, "want an http:// or https:// URL"},
		{CheckDefinition{TCP: "nohost", Interval: time.Second}, "want host:port"},
		{CheckDefinition{UDP: "a:1", Interval: time.Second, Status: "ok"}, `invalid status "ok"`},
		{CheckDefinition{GRPC: "a:1"}, "interval must be set for a grpc check"},
		{CheckDefinition{TTL: time.Second, Timeout: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		err := tt.c.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.c, err, tt.want)
		}
	}
}

func TestSidecarService(t *testing.T) {
	parent := &ServiceDefinition{ID: "web-1", Name: "web", Port: 8080, Address: "10.0.0.5", Tags: []string{"v1"},
		Meta: map[string]string{"m": "1"}, Connect: &ServiceConnect{SidecarService: &ServiceDefinition{
			Proxy: &ProxyConfig{Upstreams: []Upstream{{DestinationName: "db", LocalBindPort: 9191}}},
		}}}
	sc, err := SidecarService(parent, func() (int, error) { return 21007, nil })
	if err != nil {
		t.Fatal(err)
	}
	if sc.ID != "web-1-sidecar-proxy" || sc.Name != "web-sidecar-proxy" || sc.Kind != KindConnectProxy ||
		sc.Port != 21007 || sc.Address != "10.0.0.5" || sc.Tags[0] != "v1" || sc.Meta["m"] != "1" {
		t.Errorf("sidecar defaults wrong: %+v", sc)
	}
	p := sc.Proxy
	if p.DestinationServiceName != "web" || p.DestinationServiceID != "web-1" || p.LocalServiceAddress != "127.0.0.1" ||
		p.LocalServicePort != 8080 || len(p.Upstreams) != 1 {
		t.Errorf("sidecar proxy wrong: %+v", p)
	}
	if len(sc.Checks) != 2 || sc.Checks[0].TCP != "10.0.0.5:21007" || sc.Checks[0].Interval != 10*time.Second ||
		sc.Checks[1].AliasService != "web-1" || sc.Checks[1].Name != "Connect Sidecar Aliasing web-1" {
		t.Errorf("sidecar checks wrong: %+v", sc.Checks)
	}
	if err := sc.Validate(); err != nil {
		t.Errorf("expanded sidecar invalid: %v", err)
	}
	// The parent's block is not modified.
	sc.Tags[0] = "changed"
	if parent.Tags[0] != "v1" || parent.Connect.SidecarService.Port != 0 {
		t.Error("expansion changed the parent")
	}
	none, err := SidecarService(&ServiceDefinition{Name: "x"}, nil)
	if none != nil || err != nil {
		t.Errorf("no sidecar: got %+v, %v", none, err)
	}
}
