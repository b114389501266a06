package dnsview

import (
	"context"

	"github.com/pylonmesh/pylon/server/state"
)

// Source delivers the change events the service views follow: the local
// state store (StoreSource) on a server agent, or the servers over RPC
// (ClientSource) on a client agent.
type Source interface {
	// Subscribe starts a subscription as state.Store.Subscribe does. ctx
	// bounds the subscription's life where it holds a connection.
	Subscribe(ctx context.Context, req state.SubscribeRequest) (Subscription, error)
}

// Subscription is one topic and key's events, with the contract of
// state.Subscription: Next from one goroutine; Close from any, always.
// Next fails with state.ErrSubscriptionLagged or ErrSubscriptionReset when
// the view must subscribe again from its last index, and with other
// errors when the source failed (the view retries after a backoff).
type Subscription interface {
	Next(ctx context.Context) ([]state.Event, error)
	Close()
}
