package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pylonmesh/pylon/internal/portmux"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errNotLeader = errors.New("not the leader")

func init() { RegisterError("not-leader", errNotLeader) }

type echoReq struct {
	Key   string
	Value []byte
	Meta  map[string]string
	Tags  []string
	Index uint64
}

type echoResp struct {
	Got echoReq
}

// serve starts an RPC server behind a port mux on loopback and returns a
// pool that reaches it, and its address.
func serve(t testing.TB) (*Pool, string) {
	t.Helper()
	pool, addr, _ := serveWith(t, func(*Server) {})
	return pool, addr
}

// serveWith is serve with more methods, registered by register; it also
// returns the server.
func serveWith(t testing.TB, register func(*Server)) (*Pool, string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := portmux.New(ln, nil, 0)
	srv := NewServer()
	Handle(srv, "Test.Echo", func(_ context.Context, req *echoReq) (*echoResp, error) {
		return &echoResp{Got: *req}, nil
	})
	Handle(srv, "Test.Fail", func(_ context.Context, req *echoReq) (*echoResp, error) {
		if req.Key == "leader" {
			return nil, fmt.Errorf("apply %q: %w", req.Key, errNotLeader)
		}
		return nil, errors.New("plain failure")
	})
	Handle(srv, "Test.Forwarded", func(ctx context.Context, _ *echoReq) (*flagResp, error) {
		return &flagResp{IsForwarded(ctx)}, nil
	})
	Handle(srv, "Test.Token", func(ctx context.Context, _ *echoReq) (*tokenResp, error) {
		return &tokenResp{Token(ctx)}, nil
	})
	register(srv)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = mux.Serve() }()
	go func() { defer wg.Done(); _ = srv.Serve(mux.Listener(portmux.GRPC)) }()
	pool := NewPool(func(ctx context.Context, addr string) (net.Conn, error) {
		dl, ok := ctx.Deadline()
		timeout := 5 * time.Second
		if ok {
			timeout = time.Until(dl)
		}
		return portmux.Dial(addr, portmux.GRPC, timeout)
	})
	t.Cleanup(func() {
		pool.Close()
		srv.Stop()
		mux.Close()
		wg.Wait()
	})
	return pool, mux.Addr().String(), srv
}

// callWays are the two ways of making a call; the tests of what a call
// carries run both.
var callWays = []struct {
	name string
	call func(p *Pool, ctx context.Context, addr, method string, req, resp any) error
}{
	{"unary", (*Pool).Call},
	{"multiplexed", (*Pool).CallMultiplexed},
}

func TestCallRoundTripsStructs(t *testing.T) {
	pool, addr := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := echoReq{Key: "a/b", Value: []byte{0, 1, 2, 255}, Meta: map[string]string{"x": "y"}, Tags: []string{"v1"}, Index: 1 << 40}
	for _, way := range callWays {
		var resp echoResp
		if err := way.call(pool, ctx, addr, "Test.Echo", &req, &resp); err != nil {
			t.Fatalf("%s call: %v", way.name, err)
		}
		if fmt.Sprint(resp.Got) != fmt.Sprint(req) {
			t.Fatalf("%s echo = %+v, want %+v", way.name, resp.Got, req)
		}
	}
}

// TestLargeMessages: a message over gRPC's default limit of 4 MiB (a
// forwarded snapshot) crosses both ways.
func TestLargeMessages(t *testing.T) {
	pool, addr := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := echoReq{Value: bytes.Repeat([]byte("pylon"), 6<<20/5)}
	var resp echoResp
	if err := pool.Call(ctx, addr, "Test.Echo", &req, &resp); err != nil {
		t.Fatalf("6 MiB call: %v", err)
	}
	if !bytes.Equal(resp.Got.Value, req.Value) {
		t.Fatalf("6 MiB echo came back as %d bytes, not the same", len(resp.Got.Value))
	}
}

func TestErrorsCrossTheWire(t *testing.T) {
	pool, addr := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, way := range callWays {
		var resp echoResp
		err := way.call(pool, ctx, addr, "Test.Fail", &echoReq{Key: "leader"}, &resp)
		var remote *RemoteError
		if !errors.Is(err, errNotLeader) || !errors.As(err, &remote) || err.Error() != `apply "leader": not the leader` {
			t.Fatalf("%s: sentinel error = %v, want a RemoteError wrapping errNotLeader with the handler's message", way.name, err)
		}
		err = way.call(pool, ctx, addr, "Test.Fail", &echoReq{Key: "x"}, &resp)
		if !errors.As(err, &remote) || errors.Is(err, errNotLeader) || err.Error() != "plain failure" {
			t.Fatalf("%s: plain error = %v", way.name, err)
		}
		err = way.call(pool, ctx, addr, "Test.Missing", &echoReq{}, &resp)
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("%s: unknown method = %v, want Unimplemented", way.name, err)
		}
	}
}

func TestConcurrentCallsShareOneConnection(t *testing.T) {
	pool, addr := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp echoResp
			key := fmt.Sprint(i)
			if err := pool.Call(ctx, addr, "Test.Echo", &echoReq{Key: key}, &resp); err != nil || resp.Got.Key != key {
				t.Errorf("call %d = %+v, %v", i, resp, err)
			}
		}()
	}
	wg.Wait()
	pool.mu.Lock()
	n := len(pool.conns)
	pool.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d connections for one address, want 1", n)
	}
}

// BenchmarkCall is one call over loopback through the port mux, unary
// and multiplexed: go test ./internal/rpc -bench Call -benchmem
func BenchmarkCall(b *testing.B) {
	pool, addr := serve(b)
	ctx := context.Background()
	req := &echoReq{Key: "bench", Value: make([]byte, 100)}
	for _, way := range callWays {
		b.Run(way.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var resp echoResp
				for pb.Next() {
					if err := way.call(pool, ctx, addr, "Test.Echo", req, &resp); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestServeAfterStopReturns: a server stopped before its Serve goroutine
// got going (a server that fails right after starting RPC) does not then
// serve forever.
func TestServeAfterStopReturns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := NewServer()
	srv.Stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Stop = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		ln.Close() // lets the stuck Serve end, for the leak check
		<-done
		t.Fatal("Serve after Stop did not return")
	}
}
