package rpc

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Dialer opens a raw connection to a server address (on the shared port,
// it announces the gRPC protocol byte first).
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// Pool keeps one client connection per server address. It is safe for
// concurrent use.
type Pool struct {
	dial Dialer

	codec msgpackCodec

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
	muxes map[string]*muxSlot // CallMultiplexed's streams (mux.go)
}

// NewPool returns a pool that opens connections with dial.
func NewPool(dial Dialer) *Pool {
	return &Pool{dial: dial, codec: newCodec(), conns: map[string]*grpc.ClientConn{}, muxes: map[string]*muxSlot{}}
}

// Call calls method on the server at addr, decoding the answer into resp.
// A handler's error comes back as a *RemoteError (wrapping its registered
// sentinel); a transport failure as gRPC reports it.
func (p *Pool) Call(ctx context.Context, addr, method string, req, resp any) error {
	cc, err := p.conn(addr)
	if err != nil {
		return err
	}
	if err := cc.Invoke(ctx, "/"+serviceName+"/"+method, req, resp); err != nil {
		return fromStatus(err)
	}
	return nil
}

func (p *Pool) conn(addr string) (*grpc.ClientConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cc, ok := p.conns[addr]; ok {
		return cc, nil
	}
	cc, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(p.dial),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(connWindow),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(p.codec),
			grpc.MaxCallSendMsgSize(MaxMessageSize), grpc.MaxCallRecvMsgSize(MaxMessageSize)),
	)
	if err != nil {
		return nil, fmt.Errorf("rpc: client for %s: %w", addr, err)
	}
	p.conns[addr] = cc
	return cc, nil
}

// Close closes every connection.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for addr, cc := range p.conns {
		if err := cc.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.conns, addr)
	}
	clear(p.muxes) // their streams ended with their connections
	return first
}
