package checks

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// tlsConfig is the client TLS setting of a check: tls_skip_verify and
// tls_server_name (empty means the name is taken from the address).
func tlsConfig(skipVerify bool, serverName string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: skipVerify, //nolint:gosec // the user asked for it with tls_skip_verify
		ServerName:         serverName,
		MinVersion:         tls.VersionTLS12,
	}
}

// tlsKey names one TLS setting; checks that share it share a transport.
type tlsKey struct {
	skipVerify bool
	serverName string
}

// transports holds one *http.Transport per tlsKey.
var transports sync.Map

// sharedTransport returns the transport for k, making it on first use.
// Keep-alives are off so that every run tests a fresh connection, as
// Consul's checks do; with no idle connections kept, a shared transport
// holds no goroutines or sockets between runs.
func sharedTransport(k tlsKey) *http.Transport {
	if t, ok := transports.Load(k); ok {
		return t.(*http.Transport)
	}
	t, _ := transports.LoadOrStore(k, &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{}).DialContext,
		TLSClientConfig:        tlsConfig(k.skipVerify, k.serverName),
		TLSHandshakeTimeout:    DefaultTimeout,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 1 << 20,
		ExpectContinueTimeout:  time.Second,
	})
	return t.(*http.Transport)
}
