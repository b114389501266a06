package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/pylonmesh/pylon/agent/config"
)

// Request headers an http check sends unless its definition sets them.
const (
	httpUserAgent = "Consul Health Check"
	httpAccept    = "text/plain, text/*, */*"
)

// httpProbe sends one HTTP request per run: 2xx is passing, 429 is
// warning, any other code or an error is critical.
type httpProbe struct {
	client *http.Client
	method string
	url    string
	shown  string // url with any password redacted, for the output
	body   string
	header http.Header
	host   string
	maxOut int
}

func newHTTPProbe(def *config.CheckDefinition) (prober, error) {
	u, err := url.Parse(def.HTTP)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: http %q", ErrInvalidTarget, def.HTTP)
	}
	method := def.Method
	if method == "" {
		method = http.MethodGet
	}
	if _, err := http.NewRequest(method, def.HTTP, nil); err != nil {
		return nil, fmt.Errorf("%w: http method %q: %v", ErrInvalidTarget, method, err)
	}
	p := &httpProbe{
		client: &http.Client{Transport: sharedTransport(tlsKey{def.TLSSkipVerify, def.TLSServerName})},
		method: method,
		url:    def.HTTP,
		shown:  u.Redacted(),
		body:   def.Body,
		header: checkHeader(def.Header),
		maxOut: outputMaxSize(def),
	}
	p.host = p.header.Get("Host")
	p.header.Del("Host")
	if def.DisableRedirects {
		p.client.CheckRedirect = func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}
	}
	return p, nil
}

// checkHeader copies the definition's headers and adds the defaults.
func checkHeader(in map[string][]string) http.Header {
	h := make(http.Header, len(in)+2)
	for k, vs := range in {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if len(h.Values("User-Agent")) == 0 {
		h.Set("User-Agent", httpUserAgent)
	}
	if len(h.Values("Accept")) == 0 {
		h.Set("Accept", httpAccept)
	}
	return h
}

func (p *httpProbe) probe(ctx context.Context) (string, string) {
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url, body)
	if err != nil {
		return critical, truncate(err.Error(), p.maxOut)
	}
	req.Header = p.header.Clone()
	if p.host != "" {
		req.Host = p.host
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return critical, truncate(err.Error(), p.maxOut)
	}
	defer resp.Body.Close()
	// Read a few bytes more than kept so truncate can cut on a rune
	// boundary. A body cut short by the timeout still counts: the status
	// line arrived.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, int64(p.maxOut+utf8.UTFMax)))
	output := fmt.Sprintf("HTTP %s %s: %s Output: %s",
		p.method, p.shown, resp.Status, truncate(string(data), p.maxOut))
	return httpStatus(resp.StatusCode), output
}

// httpStatus maps a response code to a check status.
func httpStatus(code int) string {
	switch {
	case code >= 200 && code <= 299:
		return passing
	case code == http.StatusTooManyRequests:
		return warning
	}
	return critical
}
