package checks

import (
	"errors"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

func TestNewRefuses(t *testing.T) {
	every := time.Second
	cases := []struct {
		name string
		def  config.CheckDefinition
		opts Options
		want error
	}{
		{"docker", config.CheckDefinition{DockerContainerID: "abc", ScriptArgs: []string{"true"}, Interval: every}, Options{AllowScripts: true}, ErrUnsupportedType},
		{"os_service", config.CheckDefinition{OSService: "sshd", Interval: every}, Options{}, ErrUnsupportedType},
		{"no type", config.CheckDefinition{Interval: every}, Options{}, ErrUnsupportedType},
		{"script not allowed", config.CheckDefinition{ScriptArgs: []string{"true"}, Interval: every}, Options{}, ErrScriptsDisabled},
		{"http without interval", config.CheckDefinition{HTTP: "http://127.0.0.1:1/"}, Options{}, ErrNoInterval},
		{"http bad url", config.CheckDefinition{HTTP: "127.0.0.1:80", Interval: every}, Options{}, ErrInvalidTarget},
		{"http bad scheme", config.CheckDefinition{HTTP: "ftp://127.0.0.1/", Interval: every}, Options{}, ErrInvalidTarget},
		{"http bad method", config.CheckDefinition{HTTP: "http://127.0.0.1/", Method: "GE T", Interval: every}, Options{}, ErrInvalidTarget},
		{"tcp no port", config.CheckDefinition{TCP: "127.0.0.1", Interval: every}, Options{}, ErrInvalidTarget},
		{"udp no port", config.CheckDefinition{UDP: "localhost", Interval: every}, Options{}, ErrInvalidTarget},
		{"grpc no port", config.CheckDefinition{GRPC: "127.0.0.1/svc", Interval: every}, Options{}, ErrInvalidTarget},
		{"h2ping no port", config.CheckDefinition{H2PING: "127.0.0.1", Interval: every}, Options{}, ErrInvalidTarget},
		{"alias without source", config.CheckDefinition{AliasService: "web"}, Options{}, ErrNoAliasSource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New("chk", &tc.def, &recorder{}, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("New error = %v, want %v", err, tc.want)
			}
			if r != nil {
				t.Fatalf("New returned a runner with an error")
			}
		})
	}
}

func TestNewNilDefinition(t *testing.T) {
	if _, err := New("chk", nil, &recorder{}, Options{}); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}

func TestNewPicksRunner(t *testing.T) {
	every := time.Second
	cases := []struct {
		def   config.CheckDefinition
		isTTL bool
	}{
		{config.CheckDefinition{TTL: time.Minute}, true},
		{config.CheckDefinition{HTTP: "http://127.0.0.1:1/", Interval: every}, false},
		{config.CheckDefinition{TCP: "127.0.0.1:1", Interval: every}, false},
		{config.CheckDefinition{UDP: "127.0.0.1:1", Interval: every}, false},
		{config.CheckDefinition{GRPC: "127.0.0.1:1/svc", Interval: every}, false},
		{config.CheckDefinition{H2PING: "127.0.0.1:1", Interval: every}, false},
		{config.CheckDefinition{ScriptArgs: []string{"true"}, Interval: every}, false},
	}
	for _, tc := range cases {
		t.Run(tc.def.Type(), func(t *testing.T) {
			r, err := New("chk", &tc.def, &recorder{}, Options{AllowScripts: true})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if _, ok := r.(*TTL); ok != tc.isTTL {
				t.Fatalf("runner %T, want *TTL = %v", r, tc.isTTL)
			}
			r.Stop()
		})
	}
}

func TestRunnerLifecycle(t *testing.T) {
	def := &config.CheckDefinition{TCP: "127.0.0.1:1", Interval: time.Hour}
	t.Run("stop before start", func(t *testing.T) {
		r, err := New("chk", def, &recorder{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r.Stop()
		r.Start() // must not launch anything: goleak would see it
		r.Stop()
	})
	t.Run("start twice stop twice", func(t *testing.T) {
		r, err := New("chk", def, &recorder{}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r.Start()
		r.Start()
		r.Stop()
		r.Stop()
	})
}

func TestRunTimeout(t *testing.T) {
	cases := []struct {
		name string
		def  config.CheckDefinition
		want time.Duration
	}{
		{"http default", config.CheckDefinition{HTTP: "http://x/", Interval: time.Second}, DefaultTimeout},
		{"script default", config.CheckDefinition{ScriptArgs: []string{"true"}, Interval: time.Minute}, DefaultScriptTimeout},
		{"set", config.CheckDefinition{TCP: "x:1", Interval: time.Second, Timeout: 300 * time.Millisecond}, 300 * time.Millisecond},
		{"set above interval", config.CheckDefinition{TCP: "x:1", Interval: time.Second, Timeout: 5 * time.Second}, 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := runTimeout(&tc.def); got != tc.want {
				t.Fatalf("runTimeout = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStagger(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Millisecond, time.Minute} {
		for range 100 {
			got := stagger(d)
			if got < 0 || (d > 0 && got >= d) || (d == 0 && got != 0) {
				t.Fatalf("stagger(%v) = %v, want in [0, %v)", d, got, d)
			}
		}
	}
}
