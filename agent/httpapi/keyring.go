package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/gossip"
)

// maxRelayFactor is the most relays a keyring answer may take (Consul's).
const maxRelayFactor = 5

// KeyringLocalHeader asks for a keyring operation on the receiving
// datacenter's LAN pool alone, writes included: a server running an
// operation everywhere sends it to the other datacenters with it. Users'
// writes cannot be local-only, as in Consul, so that a key change never
// covers part of the cluster by accident; the header narrows an operation
// and grants nothing.
const KeyringLocalHeader = "X-Pylon-Keyring-Local"

// keyringOps maps the methods of /v1/operator/keyring to the operations.
var keyringOps = map[string]string{
	http.MethodGet:    "list",
	http.MethodPost:   "install",
	http.MethodPut:    "use",
	http.MethodDelete: "remove",
}

// KeyringMethod is the HTTP method of a keyring operation ("list",
// "install", "use" or "remove"), for a server that asks another
// datacenter's server to run one.
func KeyringMethod(op string) string {
	for method, o := range keyringOps {
		if o == op {
			return method
		}
	}
	return ""
}

// keyringAuthorizer is implemented by authorizers that know Consul's
// keyring resource; others are asked about operator instead.
type keyringAuthorizer interface {
	KeyringRead() bool
	KeyringWrite() bool
}

// keyringArgs are the parameters of a keyring request.
type keyringArgs struct {
	op          string
	key         string // the body's Key; writes only
	relayFactor int
	localOnly   bool
}

// operatorKeyring lists (GET), installs (POST), makes primary (PUT) or
// removes (DELETE) a gossip encryption key across the WAN pool (unless
// ?local-only) and the LAN pool, on a server: a client agent forwards it.
func (s *Server) operatorKeyring(c *call) error {
	args, err := parseKeyringArgs(c)
	if err != nil {
		return err
	}
	if !mayKeyring(c.authz, args.op == "list") {
		return errPermissionDenied
	}
	resp, err := s.agent.Keyring(c.r.Context(), args.op, args.key, args.localOnly, c.token)
	switch {
	case errors.Is(err, gossip.ErrInvalidKey):
		return badRequest("%v", err)
	case err != nil:
		return err
	case args.op != "list":
		return nil
	}
	return s.writeJSON(c, resp)
}

// mayKeyring asks for keyring:read or keyring:write, or operator where the
// authorizer has no keyring rules.
func mayKeyring(authz acl.Authorizer, read bool) bool {
	if k, ok := authz.(keyringAuthorizer); ok {
		if read {
			return k.KeyringRead()
		}
		return k.KeyringWrite()
	}
	if read {
		return authz.OperatorRead()
	}
	return authz.OperatorWrite()
}

// parseKeyringArgs reads the operation, the relay factor, local-only and,
// for writes, the key in the body.
func parseKeyringArgs(c *call) (keyringArgs, error) {
	args := keyringArgs{op: keyringOps[c.r.Method]}
	q := c.r.URL.Query()
	if v := q.Get("relay-factor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return args, badRequest("Error parsing relay factor: %v", err)
		}
		if n < 0 || n > maxRelayFactor {
			return args, badRequest("Relay factor must be in range: [0, %d]", maxRelayFactor)
		}
		args.relayFactor = n
	}
	if v := q.Get("local-only"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return args, badRequest("Error parsing local-only: %v", err)
		}
		args.localOnly = b
	}
	if args.localOnly && args.op != "list" {
		return args, badRequest("local-only can only be set for list requests")
	}
	if c.r.Header.Get(KeyringLocalHeader) != "" {
		args.localOnly = true
	}
	if args.op == "list" {
		return args, nil
	}
	var body struct{ Key string }
	if err := decodeBody(c, &body); err != nil {
		return args, err
	}
	if body.Key == "" {
		return args, badRequest("Missing Key in the request body")
	}
	if _, err := gossip.DecodeKey(body.Key); err != nil {
		return args, badRequest("%v", err)
	}
	args.key = body.Key
	return args, nil
}
