package dnsview

import (
	"context"

	"github.com/pylonmesh/pylon/server/state"
)

// storeSource subscribes to an in-process state store.
type storeSource struct{ store *state.Store }

var _ Source = storeSource{}

// StoreSource returns a Source over an in-process store, what a view uses
// when Config.Source is nil.
func StoreSource(store *state.Store) Source { return storeSource{store} }

func (s storeSource) Subscribe(_ context.Context, req state.SubscribeRequest) (Subscription, error) {
	sub, err := s.store.Subscribe(req)
	if err != nil {
		return nil, err
	}
	return sub, nil
}
