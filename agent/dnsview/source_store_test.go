package dnsview

import (
	"context"
	"errors"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func TestStoreSource(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	src := StoreSource(s.Store)
	ctx := context.Background()
	sub, err := src.Subscribe(ctx, state.SubscribeRequest{Topic: "Nope", Key: "web"})
	if !errors.Is(err, state.ErrUnknownTopic) || sub != nil {
		t.Fatalf("unknown topic = %v, %v; want a nil Subscription and ErrUnknownTopic", sub, err)
	}
	sub, err = src.Subscribe(ctx, state.SubscribeRequest{Topic: state.TopicServiceHealth, Key: "web"})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	events, err := sub.Next(ctx)
	if err != nil || len(events) != 2 {
		t.Fatalf("snapshot = %+v, %v; want the instance and EndOfSnapshot", events, err)
	}
}
