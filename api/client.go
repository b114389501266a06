package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Client talks to one agent's /v1 HTTP API. It is safe for concurrent use.
type Client struct {
	config Config // normalised copy: Address is host:port or a socket path
	http   *http.Client
	unix   bool // Address is a unix socket path

	mu      sync.RWMutex
	headers http.Header // added to every request
}

// NewClient returns a client for config. Empty fields take the defaults of
// DefaultConfig (the environment included) and the address scheme is
// resolved here. The config is copied; later changes to it have no effect.
func NewClient(config *Config) (*Client, error) {
	cfg := *config
	def := DefaultConfig()
	if cfg.Address == "" {
		cfg.Address = def.Address
	}
	if cfg.Scheme == "" {
		cfg.Scheme = def.Scheme
	}
	unixSocket, err := splitAddress(&cfg)
	if err != nil {
		return nil, err
	}
	if cfg.TokenFile != "" {
		if err := loadTokenFile(&cfg); err != nil {
			return nil, err
		}
	}
	hc := cfg.HttpClient
	if hc == nil || unixSocket {
		if hc, err = newHTTPClient(&cfg, unixSocket); err != nil {
			return nil, err
		}
	}
	cfg.HttpClient = hc
	return &Client{config: cfg, http: hc, unix: unixSocket, headers: make(http.Header)}, nil
}

// splitAddress moves a scheme and path prefix out of cfg.Address. It
// reports whether the address is a unix socket.
func splitAddress(cfg *Config) (bool, error) {
	scheme, rest, ok := strings.Cut(cfg.Address, "://")
	if !ok {
		return false, nil
	}
	switch scheme {
	case "http", "https":
		cfg.Scheme = scheme
		host, prefix, hasPrefix := strings.Cut(rest, "/")
		cfg.Address = host
		if hasPrefix && prefix != "" {
			cfg.PathPrefix = "/" + strings.TrimSuffix(prefix, "/")
		}
		return false, nil
	case "unix":
		cfg.Address = rest
		return true, nil
	}
	return false, fmt.Errorf("%w: %s", ErrUnknownScheme, scheme)
}

func loadTokenFile(cfg *Config) error {
	b, err := os.ReadFile(cfg.TokenFile)
	if err != nil {
		return fmt.Errorf("load token file %s: %w", cfg.TokenFile, err)
	}
	if tok := strings.TrimSpace(string(b)); tok != "" {
		cfg.Token = tok
	}
	return nil
}

func newHTTPClient(cfg *Config, unixSocket bool) (*http.Client, error) {
	var tr *http.Transport
	if cfg.Transport != nil {
		tr = cfg.Transport.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
		// Programs keep several blocking queries open to one agent.
		tr.MaxIdleConnsPerHost = runtime.GOMAXPROCS(0) + 1
	}
	if unixSocket {
		path := cfg.Address
		tr.Proxy = nil
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
	}
	if cfg.Scheme == "https" {
		tc, err := tlsClientConfig(&cfg.TLSConfig)
		if err != nil {
			return nil, fmt.Errorf("tls config: %w", err)
		}
		tr.TLSClientConfig = tc
	}
	return &http.Client{Transport: tr}, nil
}

// Config returns a copy of the client's resolved configuration.
func (c *Client) Config() Config { return c.config }

// Headers returns a copy of the headers added to every request.
func (c *Client) Headers() http.Header {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.headers.Clone()
}

// AddHeader adds a header sent with every request.
func (c *Client) AddHeader(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.headers.Add(key, value)
}

// SetHeaders replaces the headers sent with every request.
func (c *Client) SetHeaders(h http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.headers = h.Clone()
}

// request is one call being built.
type request struct {
	method string
	path   string
	params url.Values
	header http.Header
	body   any   // JSON-encoded when non-nil
	accept []int // non-2xx codes the caller handles itself
	ctx    context.Context
}

// newRequest starts a request carrying the client-wide defaults.
func (c *Client) newRequest(method, path string) *request {
	r := &request{method: method, path: path, params: url.Values{}, header: http.Header{}}
	if c.config.Datacenter != "" {
		r.params.Set("dc", c.config.Datacenter)
	}
	if c.config.Namespace != "" {
		r.params.Set("ns", c.config.Namespace)
	}
	if c.config.Partition != "" {
		r.params.Set("partition", c.config.Partition)
	}
	if c.config.WaitTime != 0 {
		r.params.Set("wait", durToMsec(c.config.WaitTime))
	}
	if c.config.Token != "" {
		r.header.Set("X-Consul-Token", c.config.Token)
	}
	return r
}

// toHTTP turns r into a net/http request.
func (c *Client) toHTTP(r *request) (*http.Request, error) {
	u := url.URL{Scheme: c.config.Scheme, Host: c.config.Address, Path: c.config.PathPrefix + r.path}
	if c.unix {
		u.Scheme, u.Host = "http", "localhost" // the dialer ignores the host
	}
	u.RawQuery = r.params.Encode()
	var body io.Reader
	if r.body != nil {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(r.body); err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		body = &buf
	}
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	for k, vs := range c.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	c.mu.RUnlock()
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if a := c.config.HttpAuth; a != nil {
		req.SetBasicAuth(a.Username, a.Password)
	}
	return req, nil
}

// send performs r. A reply outside 2xx is drained, closed and returned as a
// StatusError; otherwise the caller owns the body.
func (c *Client) send(r *request) (*http.Response, time.Duration, error) {
	req, err := c.toHTTP(r)
	if err != nil {
		return nil, 0, err
	}
	return c.do(r, req)
}

// do sends a built request and times it. A reply outside 2xx (and
// r.accept) is drained, closed and returned as a StatusError.
func (c *Client) do(r *request, req *http.Request) (*http.Response, time.Duration, error) {
	start := time.Now()
	resp, err := c.http.Do(req)
	rtt := time.Since(start)
	if err != nil {
		return nil, rtt, err
	}
	if (resp.StatusCode < 200 || resp.StatusCode > 299) && !slices.Contains(r.accept, resp.StatusCode) {
		return nil, rtt, statusError(resp)
	}
	return resp, rtt, nil
}

// statusError reads and closes the body of a failed reply.
func statusError(resp *http.Response) error {
	defer closeBody(resp)
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return StatusError{Code: resp.StatusCode, Body: strings.TrimSpace(string(b))}
}

func closeBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// fetch performs a read: it parses the query metadata and decodes the body
// into out (skipped when out is nil).
func (c *Client) fetch(r *request, out any) (*QueryMeta, error) {
	resp, rtt, err := c.send(r)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	qm := &QueryMeta{RequestTime: rtt}
	if err := parseQueryMeta(resp.Header, qm); err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.path, err)
		}
	}
	return qm, nil
}

// exec performs a write, decoding the reply into out when out is non-nil.
func (c *Client) exec(r *request, out any) (*WriteMeta, error) {
	resp, rtt, err := c.send(r)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.path, err)
		}
	}
	return &WriteMeta{RequestTime: rtt}, nil
}
