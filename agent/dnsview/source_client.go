package dnsview

import (
	"context"

	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// clientSource streams the events from the servers a client agent knows.
type clientSource struct{ client *server.Client }

var _ Source = clientSource{}

// ClientSource returns a Source that streams the events from the client's
// servers over RPC (server.Client.Subscribe): it sticks to the client's
// current server and, when that one goes away, the view's next
// subscription goes to another from the index it had reached.
func ClientSource(c *server.Client) Source { return clientSource{c} }

func (s clientSource) Subscribe(ctx context.Context, req state.SubscribeRequest) (Subscription, error) {
	sub, err := s.client.Subscribe(ctx, req)
	if err != nil {
		return nil, err
	}
	return sub, nil
}
