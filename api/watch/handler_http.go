package watch

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of an http_handler_config.
const (
	DefaultHTTPMethod  = http.MethodPost
	DefaultHTTPTimeout = 10 * time.Second
)

// HTTPHandler sends each result as a JSON body to a URL, with the index in
// the X-Consul-Index header (and X-Pylon-Index).
type HTTPHandler struct {
	// URL is the endpoint (http_handler_config.path).
	URL string
	// Method is the request method; POST by default.
	Method string
	// Header is added to every request.
	Header http.Header
	// Timeout bounds each request; DefaultHTTPTimeout by default.
	Timeout time.Duration
	// TLSSkipVerify turns off verification of an https endpoint's
	// certificate.
	TLSSkipVerify bool

	once   sync.Once
	client *http.Client
}

// Handle sends one request. A reply outside 2xx is an error.
func (h *HTTPHandler) Handle(ctx context.Context, index uint64, result any) error {
	body, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("watch http handler: encode result: %w", err)
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := h.Method
	if method == "" {
		method = DefaultHTTPMethod
	}
	req, err := http.NewRequestWithContext(ctx, method, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("watch http handler: %w", err)
	}
	for k, vs := range h.Header {
		req.Header[http.CanonicalHeaderKey(k)] = slices.Clone(vs)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	idx := strconv.FormatUint(index, 10)
	req.Header.Set("X-Consul-Index", idx)
	req.Header.Set("X-Pylon-Index", idx)
	resp, err := h.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("watch http handler: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("watch http handler: %s %s: %s", method, h.URL, resp.Status)
	}
	return nil
}

// CloseIdleConnections closes the handler's kept-alive connections.
func (h *HTTPHandler) CloseIdleConnections() {
	h.httpClient().CloseIdleConnections()
}

func (h *HTTPHandler) httpClient() *http.Client {
	h.once.Do(func() {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if h.TLSSkipVerify {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by tls_skip_verify
		}
		h.client = &http.Client{Transport: tr}
	})
	return h.client
}

// parseHTTPConfig decodes an http_handler_config object.
func parseHTTPConfig(v any) (*HTTPHandler, error) {
	m, err := asMap(v)
	if err != nil {
		return nil, err
	}
	h := &HTTPHandler{Method: DefaultHTTPMethod, Timeout: DefaultHTTPTimeout}
	pathSet := false
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var err error
		switch normalize(k) {
		case "path":
			pathSet = true
			h.URL, err = asURL(m[k])
		case "method":
			h.Method, err = asMethod(m[k])
		case "header":
			h.Header, err = asHeader(m[k])
		case "timeout":
			h.Timeout, err = asDuration(m[k])
		case "tlsskipverify":
			h.TLSSkipVerify, err = asBool(m[k])
		default:
			err = fmt.Errorf("%w: http_handler_config takes path, method, header, timeout and tls_skip_verify", ErrUnknownParam)
		}
		if err != nil {
			return nil, &ParamError{Key: k, Err: err}
		}
	}
	if !pathSet {
		return nil, paramErr("path", ErrMissingParam, "the URL to send results to")
	}
	return h, nil
}

func asURL(v any) (string, error) {
	s, err := asString(v)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %q is not an http or https URL", ErrInvalidParam, s)
	}
	return s, nil
}

func asMethod(v any) (string, error) {
	s, err := asString(v)
	if err != nil {
		return "", err
	}
	m := strings.ToUpper(s)
	if m == "" || strings.ContainsFunc(m, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return "", fmt.Errorf("%w: %q is not an HTTP method", ErrInvalidParam, s)
	}
	return m, nil
}

func asDuration(v any) (time.Duration, error) {
	var d time.Duration
	switch t := v.(type) {
	case time.Duration:
		d = t
	case string:
		var err error
		if d, err = time.ParseDuration(t); err != nil {
			return 0, fmt.Errorf("%w: %q is not a duration like \"10s\"", ErrInvalidParam, t)
		}
	default:
		return 0, invalid(`a duration like "10s"`, v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%w: must be positive, got %s", ErrInvalidParam, d)
	}
	return d, nil
}

// asHeader accepts an object whose values are strings or lists of strings.
func asHeader(v any) (http.Header, error) {
	h := http.Header{}
	switch m := v.(type) {
	case http.Header:
		return m.Clone(), nil
	case map[string][]string:
		return http.Header(m).Clone(), nil
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(m)) {
			vals, err := asStrings(m[k])
			if err != nil {
				return nil, fmt.Errorf("%w: header %q: want a string or a list of strings", ErrInvalidParam, k)
			}
			if k == "" || strings.ContainsAny(k, " \t\r\n:") {
				return nil, fmt.Errorf("%w: %q is not a header name", ErrInvalidParam, k)
			}
			for _, val := range vals {
				if strings.ContainsAny(val, "\r\n") {
					return nil, fmt.Errorf("%w: header %q: a value must not hold a line break", ErrInvalidParam, k)
				}
				h.Add(k, val)
			}
		}
		return h, nil
	}
	return nil, invalid("an object of header names to values", v)
}
