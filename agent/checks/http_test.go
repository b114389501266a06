package checks

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// probeOnce builds the prober for def and runs it once.
func probeOnce(t testing.TB, def *config.CheckDefinition) (string, string) {
	t.Helper()
	p, err := probers[def.Type()](def)
	if err != nil {
		t.Fatalf("build %s probe: %v", def.Type(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout(def))
	defer cancel()
	return p.probe(ctx)
}

func TestHTTPStatusCodes(t *testing.T) {
	cases := []struct {
		code   int
		status string
	}{
		{200, passing},
		{204, passing},
		{299, passing},
		{429, warning},
		{300, critical},
		{404, critical},
		{500, critical},
		{503, critical},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				_, _ = io.WriteString(w, "body text")
			}))
			defer srv.Close()
			url := srv.URL + "/health"
			status, output := probeOnce(t, &config.CheckDefinition{HTTP: url, Interval: time.Second})
			if status != tc.status {
				t.Fatalf("status = %q, want %q (output %q)", status, tc.status, output)
			}
			body := "body text"
			if tc.code == 204 {
				body = ""
			}
			text := http.StatusText(tc.code)
			if text == "" {
				text = fmt.Sprintf("status code %d", tc.code) // what net/http writes for unnamed codes
			}
			want := fmt.Sprintf("HTTP GET %s: %d %s Output: %s", url, tc.code, text, body)
			if output != want {
				t.Fatalf("output = %q, want %q", output, want)
			}
		})
	}
}

func TestHTTPRunnerReportsChanges(t *testing.T) {
	var code atomic.Int32
	code.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(code.Load()))
	}))
	defer srv.Close()
	rec, _ := startCheck(t, &config.CheckDefinition{HTTP: srv.URL, Interval: 20 * time.Millisecond}, Options{})
	waitStatus(t, rec, passing)
	code.Store(429)
	waitStatus(t, rec, warning)
	code.Store(503)
	u := waitStatus(t, rec, critical)
	if u.checkID != "chk" || !strings.Contains(u.output, "503 Service Unavailable") {
		t.Fatalf("update = %+v", u)
	}
}

func TestHTTPSuccessBeforePassing(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	rec, _ := startCheck(t, &config.CheckDefinition{
		HTTP: srv.URL, Interval: 20 * time.Millisecond, SuccessBeforePassing: 3,
	}, Options{})
	waitStatus(t, rec, passing)
	if n := hits.Load(); n < 3 {
		t.Fatalf("passing reported after %d requests, want at least 3", n)
	}
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d updates for a steady result, want 1", n)
	}
}

func TestHTTPRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "landed") })
	mux.Handle("/moved", http.RedirectHandler("/ok", http.StatusFound))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cases := []struct {
		name    string
		disable bool
		status  string
		output  string
	}{
		{"followed by default", false, passing, "200 OK Output: landed"},
		{"disable_redirects", true, critical, "302 Found Output:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, output := probeOnce(t, &config.CheckDefinition{
				HTTP: srv.URL + "/moved", DisableRedirects: tc.disable, Interval: time.Second,
			})
			if status != tc.status || !strings.Contains(output, tc.output) {
				t.Fatalf("got %q %q, want %q containing %q", status, output, tc.status, tc.output)
			}
		})
	}
}

// seen is what a test server received.
type seen struct {
	method, host, body string
	header             http.Header
}

func recordingServer(t *testing.T) (*httptest.Server, func() seen) {
	var (
		mu   sync.Mutex
		last seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = seen{r.Method, r.Host, string(b), r.Header.Clone()}
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv, func() seen {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

func TestHTTPRequestAsSent(t *testing.T) {
	srv, last := recordingServer(t)
	status, output := probeOnce(t, &config.CheckDefinition{
		HTTP:   srv.URL + "/h",
		Method: "POST",
		Header: map[string][]string{
			"x-multi":      {"a", "b"},
			"Content-Type": {"application/json"},
			"Host":         {"svc.example"},
		},
		Body:     `{"method":"health"}`,
		Interval: time.Second,
	})
	if status != passing {
		t.Fatalf("status %q %q", status, output)
	}
	got := last()
	checks := []struct{ name, got, want string }{
		{"method", got.method, "POST"},
		{"host", got.host, "svc.example"},
		{"body", got.body, `{"method":"health"}`},
		{"x-multi", strings.Join(got.header.Values("X-Multi"), ","), "a,b"},
		{"content-type", got.header.Get("Content-Type"), "application/json"},
		{"user-agent", got.header.Get("User-Agent"), "Consul Health Check"},
		{"accept", got.header.Get("Accept"), "text/plain, text/*, */*"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(output, "HTTP POST ") {
		t.Errorf("output %q does not name the method", output)
	}
}

func TestHTTPHeaderOverridesDefaults(t *testing.T) {
	srv, last := recordingServer(t)
	probeOnce(t, &config.CheckDefinition{
		HTTP:     srv.URL,
		Header:   map[string][]string{"User-Agent": {"mine"}, "Accept": {"application/json"}},
		Interval: time.Second,
	})
	got := last()
	if ua := got.header.Values("User-Agent"); len(ua) != 1 || ua[0] != "mine" {
		t.Errorf("User-Agent = %q", ua)
	}
	if a := got.header.Values("Accept"); len(a) != 1 || a[0] != "application/json" {
		t.Errorf("Accept = %q", a)
	}
}

func TestHTTPTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; ends when the check gives up
	}))
	defer srv.Close()
	status, output := probeOnce(t, &config.CheckDefinition{
		HTTP: srv.URL, Timeout: 50 * time.Millisecond, Interval: time.Second,
	})
	if status != critical || !strings.Contains(output, "deadline exceeded") {
		t.Fatalf("got %q %q, want critical with a timeout", status, output)
	}
}

func TestHTTPTLSSkipVerify(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failing handshake is expected
	srv.StartTLS()
	defer srv.Close()
	cases := []struct {
		name   string
		def    config.CheckDefinition
		status string
	}{
		{"verified fails", config.CheckDefinition{HTTP: srv.URL}, critical},
		{"skip verify", config.CheckDefinition{HTTP: srv.URL, TLSSkipVerify: true}, passing},
		{"skip verify with server name", config.CheckDefinition{HTTP: srv.URL, TLSSkipVerify: true, TLSServerName: "pylon.test"}, passing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Interval = time.Second
			status, output := probeOnce(t, &tc.def)
			if status != tc.status {
				t.Fatalf("status %q (%s), want %q", status, output, tc.status)
			}
		})
	}
}

func TestHTTPOutputTruncated(t *testing.T) {
	cases := []struct {
		name, body string
		max        int
		wantBody   string
	}{
		{"default size", strings.Repeat("a", 10000), 0, strings.Repeat("a", DefaultOutputMaxSize)},
		{"set size", strings.Repeat("a", 10000), 100, strings.Repeat("a", 100)},
		{"rune boundary", strings.Repeat("é", 10), 5, "éé"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, output := probeOnce(t, &config.CheckDefinition{HTTP: srv.URL, OutputMaxSize: tc.max, Interval: time.Second})
			_, body, _ := strings.Cut(output, " Output: ")
			if body != tc.wantBody {
				t.Fatalf("body in output has %d bytes %q..., want %d bytes", len(body), truncate(body, 20), len(tc.wantBody))
			}
		})
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	ln := listenTCP(t)
	url := "http://" + ln.Addr().String() + "/"
	_ = ln.Close()
	status, output := probeOnce(t, &config.CheckDefinition{HTTP: url, Interval: time.Second})
	if status != critical || !strings.Contains(output, "refused") {
		t.Fatalf("got %q %q", status, output)
	}
}

func TestHTTPTransportShared(t *testing.T) {
	build := func(def config.CheckDefinition) *http.Transport {
		def.Interval = time.Second
		p, err := newHTTPProbe(&def)
		if err != nil {
			t.Fatal(err)
		}
		return p.(*httpProbe).client.Transport.(*http.Transport)
	}
	a := build(config.CheckDefinition{HTTP: "http://127.0.0.1:1/a"})
	b := build(config.CheckDefinition{HTTP: "https://127.0.0.1:2/b", DisableRedirects: true})
	c := build(config.CheckDefinition{HTTP: "https://127.0.0.1:2/b", TLSSkipVerify: true})
	d := build(config.CheckDefinition{HTTP: "https://127.0.0.1:2/b", TLSSkipVerify: true, TLSServerName: "x"})
	if a != b {
		t.Error("same TLS setting, different transports")
	}
	if a == c || c == d {
		t.Error("different TLS settings share a transport")
	}
	for _, tr := range []*http.Transport{a, c, d} {
		if !tr.DisableKeepAlives {
			t.Error("keep-alives are on")
		}
	}
}

func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	p, err := newHTTPProbe(&config.CheckDefinition{HTTP: srv.URL + "/health", Interval: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if status, output := p.probe(ctx); status != passing {
			b.Fatalf("status %q: %s", status, output)
		}
	}
}
