// Package rpc is the transport of calls between agents and servers, and
// between servers: gRPC over the shared server port (internal/portmux,
// protocol byte 8), with Go structs encoded as msgpack rather than
// protobuf messages, so the request and record types of server/state
// travel as they are, without generated code.
//
// A server registers typed handlers by method name (Handle) before Serve;
// a client keeps one gRPC connection per server address (Pool) and calls
// by name. Errors keep their identity across the wire for the sentinels
// registered with RegisterError, so a caller can still ask
// errors.Is(err, server.ErrNotLeader) of a remote answer.
//
// Server-streaming calls (HandleStream on the server, Stream and
// ClientStream.Recv on the client) carry long-lived answers such as the
// state change subscriptions agents keep their views from: one request,
// then messages in order until the handler returns (io.EOF at the client
// for a clean end, its error otherwise). Server.Stop ends open streams at
// once with ErrStopping, so a client knows to go to another server, and
// gives unary calls in flight a bounded grace. A message part sent to many
// streams can be encoded once (Encode) and sent as a Raw field.
// Client-streaming calls (HandleUpload, Upload) carry uploads the other
// way: a request, parts in order, one answer.
//
// CallMultiplexed is Call over one long-lived stream per server that
// carries many calls at once (mux.go): cheaper for small, frequent calls
// such as forwarded writes, and in order, so not for large messages.
package rpc
