// Package userevent keeps the user events an agent has received: the last
// 256, in arrival order, with a channel that wakes blocking readers of
// /v1/event/list when one arrives. It also decides whether an event is for
// this agent (its node, service and tag filters) and folds event IDs into
// the blocking index Consul's clients expect.
//
// Events are best-effort and never persisted, as in Consul. Delivery across
// nodes (gossip) feeds Receive; this package knows nothing of transport.
package userevent
