package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/pylonmesh/pylon/agent/httpapi"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server"
)

// Keyring runs a keyring operation ("list", "install", "use" or
// "remove") as Consul does: on the WAN pool, this datacenter's LAN pool
// and, through one server of each, every other datacenter's LAN pool, in
// that order; with localOnly on this datacenter's LAN pool alone. A client
// agent has only its LAN pool, and forwards the endpoint to a server.
func (a *Agent) Keyring(ctx context.Context, op, key string, localOnly bool, token string) ([]*api.KeyringResponse, error) {
	out, err := a.localKeyring(op, key, localOnly)
	if localOnly || a.server == nil || (out == nil && err != nil) {
		return out, err
	}
	remote, rerr := a.remoteKeyring(ctx, op, key, token)
	return append(out, remote...), errors.Join(err, rerr)
}

// localKeyring runs a keyring operation on this agent's pools: the WAN
// pool first, unless localOnly, then the LAN pool. Operations are
// serialized: memberlist's keyring races when changes overlap.
func (a *Agent) localKeyring(op, key string, localOnly bool) ([]*api.KeyringResponse, error) {
	lan := a.lan.Load()
	if lan == nil {
		return nil, errNoLAN
	}
	if !slices.Contains([]string{"list", "install", "use", "remove"}, op) {
		return nil, fmt.Errorf("agent: unknown keyring operation %q", op)
	}
	a.gossipOps.keyMu.Lock()
	defer a.gossipOps.keyMu.Unlock()
	var out []*api.KeyringResponse
	var errs []error
	if wan := a.wan.Load(); wan != nil && !localOnly {
		r, err := a.keyringOp(wan, op, key)
		if r != nil {
			r.WAN = true
			out = append(out, r)
		}
		errs = append(errs, err)
	}
	r, err := a.keyringOp(lan, op, key)
	if r != nil {
		out = append(out, r)
	}
	errs = append(errs, err)
	if len(out) == 0 {
		return nil, errors.Join(errs...)
	}
	return out, errors.Join(errs...)
}

// keyringOp runs one keyring operation on pool.
func (a *Agent) keyringOp(pool *gossip.Pool, op, key string) (*api.KeyringResponse, error) {
	run := map[string]func(string) (*gossip.KeyResponse, error){
		"list":    func(string) (*gossip.KeyResponse, error) { return pool.ListKeys() },
		"install": pool.InstallKey,
		"use":     pool.UseKey,
		"remove":  pool.RemoveKey,
	}[op]
	resp, err := run(key)
	if resp == nil {
		return nil, err
	}
	out := &api.KeyringResponse{
		Datacenter: a.config().Datacenter, Messages: resp.Messages,
		Keys: resp.Keys, PrimaryKeys: resp.PrimaryKeys, NumNodes: resp.NumNodes,
	}
	if out.Keys == nil {
		out.Keys = map[string]int{}
	}
	if out.PrimaryKeys == nil {
		out.PrimaryKeys = map[string]int{}
	}
	if err == nil && resp.NumErr > 0 {
		err = fmt.Errorf("agent: %d of %d members failed the keyring %s", resp.NumErr, resp.NumNodes, op)
	}
	return out, err
}

// remoteKeyring runs a keyring operation on the LAN pools of the other
// datacenters the WAN pool knows, asking the nearest server of each to run
// it on its own LAN pool alone (httpapi.KeyringLocalHeader), with the
// caller's token.
func (a *Agent) remoteKeyring(ctx context.Context, op, key, token string) ([]*api.KeyringResponse, error) {
	req := server.HTTPRequest{Method: httpapi.KeyringMethod(op), URI: "/v1/operator/keyring",
		Header: map[string][]string{httpapi.KeyringLocalHeader: {"true"}, "X-Consul-Token": {token}}}
	if op != "list" {
		req.Body, _ = json.Marshal(map[string]string{"Key": key})
		req.Header["Content-Type"] = []string{"application/json"}
	}
	var out []*api.KeyringResponse
	var errs []error
	for _, dc := range a.Datacenters()[1:] {
		addr := a.datacenterServer(dc)
		if addr == "" {
			errs = append(errs, fmt.Errorf("keyring %s in datacenter %s: no server known", op, dc))
			continue
		}
		resp, err := a.server.ForwardHTTPToDatacenter(ctx, addr, &req)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("keyring %s in datacenter %s: %w", op, dc, err))
		case resp.Status != http.StatusOK:
			errs = append(errs, fmt.Errorf("keyring %s in datacenter %s: %d %s", op, dc, resp.Status, bytes.TrimSpace(resp.Body)))
		case op == "list":
			var pools []*api.KeyringResponse
			if err := json.Unmarshal(resp.Body, &pools); err != nil {
				errs = append(errs, fmt.Errorf("keyring list in datacenter %s: %w", dc, err))
			}
			out = append(out, pools...)
		}
	}
	return out, errors.Join(errs...)
}
