package server

import (
	"context"

	"github.com/pylonmesh/pylon/server/state"
)

// ResolveToken resolves a token's SecretID on a server, as
// Server.ResolveToken does there, for a client agent. An unknown or
// expired secret fails with an error wrapping state.ErrACLNotFound.
func (c *Client) ResolveToken(ctx context.Context, secret string) (*state.ACLResolvedToken, error) {
	var resp state.ACLResolvedToken
	if err := c.Call(ctx, "ACL.ResolveToken", &aclResolveReq{secret}, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}
