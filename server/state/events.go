package state

// Change events. After every committed write the store publishes, per
// topic and key, the new state of each changed service instance. Agents
// subscribe to keep push-updated views of the services they serve.
//
// The files events*.go are self-contained apart from this file's use of the
// catalog records and the snapshot built in events_subscription.go.

// Topics.
const (
	// TopicServiceHealth carries changes to the instances of one service;
	// the key is the service name.
	TopicServiceHealth = "ServiceHealth"
	// TopicServiceHealthConnect carries changes to the mesh endpoints of
	// one service (connect proxies whose destination it is, and its
	// Connect-native instances); the key is the destination service name.
	TopicServiceHealthConnect = "ServiceHealthConnect"
)

// Event is one change published on a topic. Payload is one of:
//   - CheckServiceNode: an instance as it is after the change at Index;
//   - ServiceDeregistered: an instance no longer listed under Key;
//   - EndOfSnapshot: the snapshot that opens a subscription is complete;
//   - NewSnapshotToFollow: the subscription could not resume from the
//     requested index; drop what you have, a full snapshot follows.
//
// Payload records are shared: read them, never modify them.
type Event struct {
	Topic   string
	Key     string
	Index   uint64
	Payload any
}

// ServiceDeregistered marks an instance that left a key: it was deleted,
// renamed, or (on the connect topic) stopped serving the destination.
type ServiceDeregistered struct {
	Node      string
	ServiceID string
	Service   string // its name before the change
}

// EndOfSnapshot follows the last snapshot event of a subscription.
type EndOfSnapshot struct{}

// NewSnapshotToFollow tells a resuming subscriber to reset its view.
type NewSnapshotToFollow struct{}

// SubscribeRequest asks for the events of one topic and key. Index is the
// index of the last event the subscriber has seen: 0 asks for a snapshot
// of the current state first; a later index resumes with the events after
// it when they are still buffered, and falls back to a snapshot otherwise.
type SubscribeRequest struct {
	Topic string
	Key   string
	Index uint64
}
