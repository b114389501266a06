// Package checks runs the agent's health checks.
//
// New turns a config.CheckDefinition into a Runner chosen by the
// definition's type. Interval checks (http, tcp, udp, grpc, h2ping and
// script) probe their target within 100 ms of start, then at a random phase
// of the interval, then once per interval; each result passes through the status thresholds
// (success_before_passing, failures_before_warning, failures_before_critical)
// before the Notifier hears of it. A TTL check waits for the application to
// call (*TTL).SetStatus and turns critical when it does not in time. An alias
// check mirrors the health of a service registered on this agent, as told by
// an AliasSource, and recomputes on every change the source signals.
//
// Docker and os_service checks are not supported yet: New refuses them with
// ErrUnsupportedType.
//
// The package may import agent/config (for the definition type), the
// standard library, gRPC and golang.org/x/net/http2. It must not import the rest of the agent: the agent
// wires runners to its local state through the Notifier and AliasSource
// interfaces declared here.
package checks
