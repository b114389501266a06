package command

import (
	"flag"

	"github.com/pylonmesh/pylon/api"
)

// httpFlags are the flags every command that talks to an agent accepts.
type httpFlags struct {
	addr       string
	token      string
	tokenFile  string
	datacenter string
	stale      bool
}

// register adds the HTTP flags to fs.
func (h *httpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.addr, "http-addr", "",
		"The `address` and port of the Pylon HTTP agent: host:port, http(s)://host:port or unix:///path. "+
			"Defaults to $PYLON_HTTP_ADDR or $CONSUL_HTTP_ADDR, else http://127.0.0.1:8500.")
	fs.StringVar(&h.token, "token", "",
		"ACL `token` to use in the request. Defaults to $PYLON_HTTP_TOKEN or $CONSUL_HTTP_TOKEN.")
	fs.StringVar(&h.tokenFile, "token-file", "",
		"`File` containing the ACL token; wins over -token. Defaults to $PYLON_HTTP_TOKEN_FILE or $CONSUL_HTTP_TOKEN_FILE.")
	fs.StringVar(&h.datacenter, "datacenter", "",
		"Name of the `datacenter` to query. Defaults to the agent's datacenter.")
	fs.BoolVar(&h.stale, "stale", false,
		"Let any server answer reads, not only the leader; faster but possibly out of date.")
}

// config builds the client configuration: the environment first, then the
// flags. A -token-file flag beats -token, which beats the token variables.
func (h *httpFlags) config() *api.Config {
	cfg := api.DefaultConfig()
	if h.addr != "" {
		cfg.Address = h.addr
	}
	switch {
	case h.tokenFile != "":
		cfg.TokenFile = h.tokenFile
	case h.token != "":
		cfg.Token, cfg.TokenFile = h.token, ""
	}
	if h.datacenter != "" {
		cfg.Datacenter = h.datacenter
	}
	return cfg
}

// client returns an API client configured from the flags.
func (h *httpFlags) client() (*api.Client, error) {
	return api.NewClient(h.config())
}

// queryOptions returns the read options the flags ask for.
func (h *httpFlags) queryOptions() *api.QueryOptions {
	return &api.QueryOptions{AllowStale: h.stale}
}
