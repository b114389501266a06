package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/pylonmesh/pylon/server/state"
)

// Subscribe opens a subscription to the change events of req.Topic and
// req.Key on the client's current server. A server that cannot be reached
// is moved to the end of the list and the next one is tried, once each;
// a server that later fails the stream (it stops, or the connection
// breaks) is moved to the end too, so the caller's next Subscribe goes
// elsewhere. Errors the server answers with (state.ErrSubscriptionLagged,
// state.ErrSubscriptionReset, state.ErrUnknownTopic) leave it current. The stream lives
// until Close, or until ctx ends.
func (c *Client) Subscribe(ctx context.Context, req state.SubscribeRequest) (*Subscription, error) {
	var errs []error
	for range max(len(c.Servers()), 1) {
		addr, _ := c.current()
		if addr == "" {
			return nil, fmt.Errorf("subscribe %s %q: %w", req.Topic, req.Key, ErrNoServers)
		}
		sub, err := subscribe(c.withToken(ctx), c.pool, addr, req)
		if err == nil {
			sub.failed = c.demote
			return sub, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		c.logger.Debug("subscribe failed, trying another server", "server", addr, "error", err)
		c.demote(addr)
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
