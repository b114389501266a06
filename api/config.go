package api

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables DefaultConfig reads. Each Consul name has a Pylon
// twin; when both are set the Pylon one wins.
const (
	HTTPAddrEnvName      = "CONSUL_HTTP_ADDR"
	HTTPTokenEnvName     = "CONSUL_HTTP_TOKEN"
	HTTPTokenFileEnvName = "CONSUL_HTTP_TOKEN_FILE"
	HTTPAuthEnvName      = "CONSUL_HTTP_AUTH"
	HTTPSSLEnvName       = "CONSUL_HTTP_SSL"
	HTTPSSLVerifyEnvName = "CONSUL_HTTP_SSL_VERIFY"
	HTTPCAFile           = "CONSUL_CACERT"
	HTTPCAPath           = "CONSUL_CAPATH"
	HTTPClientCert       = "CONSUL_CLIENT_CERT"
	HTTPClientKey        = "CONSUL_CLIENT_KEY"
	HTTPTLSServerName    = "CONSUL_TLS_SERVER_NAME"

	PylonHTTPAddrEnvName      = "PYLON_HTTP_ADDR"
	PylonHTTPTokenEnvName     = "PYLON_HTTP_TOKEN"
	PylonHTTPTokenFileEnvName = "PYLON_HTTP_TOKEN_FILE"
)

// DefaultAddress is the agent's HTTP address when nothing else is given.
const DefaultAddress = "127.0.0.1:8500"

// Config says how a Client reaches an agent. The zero value of every field
// is usable; NewClient fills the gaps from DefaultConfig's defaults.
type Config struct {
	// Address is host:port, or a URL with scheme http://, https:// or
	// unix:// (unix:///run/pylon.sock). An http(s) URL may carry a path
	// prefix (http://proxy/pylon) that is put before every /v1 path.
	// Empty means 127.0.0.1:8500.
	Address string

	// Scheme is "http" or "https"; a scheme in Address wins. Empty means http.
	Scheme string

	// PathPrefix is put before every request path ("/pylon").
	PathPrefix string

	// Datacenter is sent as ?dc= on every request that does not name one.
	Datacenter string

	// Transport is the base transport when HttpClient is nil; it is cloned
	// before TLS settings are applied. Nil means http.DefaultTransport.
	Transport *http.Transport

	// HttpClient sends the requests. Nil means one built from Transport and
	// TLSConfig. It has no timeout by default, because blocking queries wait
	// up to ten minutes.
	HttpClient *http.Client

	// HttpAuth, when set, adds HTTP basic authentication to every request.
	HttpAuth *HttpBasicAuth

	// WaitTime is the default ?wait= of blocking queries. Zero means the
	// server's default (five minutes).
	WaitTime time.Duration

	// Token is the ACL token sent in X-Consul-Token.
	Token string

	// TokenFile names a file holding the token. When set, its trimmed
	// contents replace Token (an empty file leaves Token as it is).
	TokenFile string

	// Namespace and Partition are Enterprise scopes; Pylon answers 400 to
	// any non-empty value. They exist so code written for Consul compiles.
	Namespace string
	Partition string

	// TLSConfig is used for https and is ignored otherwise.
	TLSConfig TLSConfig
}

// HttpBasicAuth is a user name and password for HTTP basic authentication.
type HttpBasicAuth struct {
	Username string
	Password string
}

// TLSConfig configures the client side of an https connection.
type TLSConfig struct {
	// Address is the server name to verify; it may carry a port.
	Address string

	// CAFile, CAPath (a directory of PEM files) and CAPem add trusted roots.
	// When none is set the system pool is used.
	CAFile string
	CAPath string
	CAPem  []byte

	// CertFile/KeyFile or CertPEM/KeyPEM are the client certificate.
	CertFile string
	CertPEM  []byte
	KeyFile  string
	KeyPEM   []byte

	// InsecureSkipVerify turns off verification of the server certificate.
	InsecureSkipVerify bool
}

// DefaultConfig returns the defaults, overridden by the environment:
// CONSUL_HTTP_ADDR (or PYLON_HTTP_ADDR), CONSUL_HTTP_TOKEN (PYLON_HTTP_TOKEN),
// CONSUL_HTTP_TOKEN_FILE (PYLON_HTTP_TOKEN_FILE), CONSUL_HTTP_AUTH (user or
// user:password), CONSUL_HTTP_SSL, CONSUL_HTTP_SSL_VERIFY, CONSUL_CACERT,
// CONSUL_CAPATH, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY and
// CONSUL_TLS_SERVER_NAME. Values that do not parse are ignored.
func DefaultConfig() *Config {
	c := &Config{Address: DefaultAddress, Scheme: "http"}
	if v := env(PylonHTTPAddrEnvName, HTTPAddrEnvName); v != "" {
		c.Address = v
	}
	c.Token = env(PylonHTTPTokenEnvName, HTTPTokenEnvName)
	c.TokenFile = env(PylonHTTPTokenFileEnvName, HTTPTokenFileEnvName)
	if v := os.Getenv(HTTPAuthEnvName); v != "" {
		user, pass, _ := strings.Cut(v, ":")
		c.HttpAuth = &HttpBasicAuth{Username: user, Password: pass}
	}
	if on, err := strconv.ParseBool(os.Getenv(HTTPSSLEnvName)); err == nil && on {
		c.Scheme = "https"
	}
	if verify, err := strconv.ParseBool(os.Getenv(HTTPSSLVerifyEnvName)); err == nil && !verify {
		c.TLSConfig.InsecureSkipVerify = true
	}
	c.TLSConfig.Address = os.Getenv(HTTPTLSServerName)
	c.TLSConfig.CAFile = os.Getenv(HTTPCAFile)
	c.TLSConfig.CAPath = os.Getenv(HTTPCAPath)
	c.TLSConfig.CertFile = os.Getenv(HTTPClientCert)
	c.TLSConfig.KeyFile = os.Getenv(HTTPClientKey)
	return c
}

// env returns the first non-empty variable among names.
func env(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
