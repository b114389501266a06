package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/pylonmesh/pylon/internal/portmux"
)

type countReq struct {
	N    int
	Fail string // "leader": fail with errNotLeader after N messages; "plain": a plain error
}

type countMsg struct {
	I    int
	Text string
}

// streamServer is an RPC server with stream handlers on loopback.
type streamServer struct {
	srv    *Server
	pool   *Pool
	addr   string
	ctxEnd chan error // "Test.Wait" handlers report their context's end here
}

func serveStreams(t testing.TB) *streamServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := portmux.New(ln, nil, 0)
	ss := &streamServer{srv: NewServer(), ctxEnd: make(chan error, 16)}
	HandleStream(ss.srv, "Test.Count", func(_ context.Context, req *countReq, send func(*countMsg) error) error {
		for i := range req.N {
			if err := send(&countMsg{I: i, Text: fmt.Sprint("msg-", i)}); err != nil {
				return err
			}
		}
		switch req.Fail {
		case "leader":
			return fmt.Errorf("after %d: %w", req.N, errNotLeader)
		case "plain":
			return errors.New("plain stream failure")
		}
		return nil
	})
	HandleStream(ss.srv, "Test.Wait", func(ctx context.Context, _ *countReq, send func(*countMsg) error) error {
		if err := send(&countMsg{Text: "started"}); err != nil {
			return err
		}
		<-ctx.Done()
		ss.ctxEnd <- ctx.Err()
		return ctx.Err()
	})
	// Test.Raw sends parts encoded once, as Raw, to every stream.
	parts := make([]Raw, 3)
	for i := range parts {
		var err error
		if parts[i], err = Encode(&countMsg{I: i, Text: fmt.Sprint("part-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	HandleStream(ss.srv, "Test.Raw", func(_ context.Context, _ *countReq, send func(*rawParts) error) error {
		return send(&rawParts{Parts: parts, Last: parts[2]})
	})
	Handle(ss.srv, "Test.Echo", func(_ context.Context, req *echoReq) (*echoResp, error) {
		return &echoResp{Got: *req}, nil
	})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = mux.Serve() }()
	go func() { defer wg.Done(); _ = ss.srv.Serve(mux.Listener(portmux.GRPC)) }()
	ss.pool = NewPool(func(_ context.Context, addr string) (net.Conn, error) {
		return portmux.Dial(addr, portmux.GRPC, 5*time.Second)
	})
	ss.addr = mux.Addr().String()
	t.Cleanup(func() {
		ss.pool.Close()
		ss.srv.Stop()
		mux.Close()
		wg.Wait()
	})
	return ss
}

// rawParts is sent by the server and received as decodedParts.
type rawParts struct {
	Parts []Raw
	Last  Raw
}

type decodedParts struct {
	Parts []countMsg
	Last  *countMsg
}

func TestStreamSendsRawParts(t *testing.T) {
	ss := serveStreams(t)
	st, err := Stream[countReq, decodedParts](testCtx(t), ss.pool, ss.addr, "Test.Raw", &countReq{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Parts) != 3 || m.Parts[1] != (countMsg{I: 1, Text: "part-1"}) || m.Last == nil || m.Last.Text != "part-2" {
		t.Fatalf("decoded = %+v", m)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStreamDeliversMessagesInOrder(t *testing.T) {
	ss := serveStreams(t)
	for _, n := range []int{0, 1, 1000} {
		st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Count", &countReq{N: n})
		if err != nil {
			t.Fatalf("n=%d: stream: %v", n, err)
		}
		for i := range n {
			m, err := st.Recv()
			if err != nil || m.I != i || m.Text != fmt.Sprint("msg-", i) {
				t.Fatalf("n=%d: message %d = %+v, %v", n, i, m, err)
			}
		}
		if m, err := st.Recv(); !errors.Is(err, io.EOF) {
			t.Fatalf("n=%d: after the last message = %+v, %v; want io.EOF", n, m, err)
		}
		st.Close()
		st.Close() // idempotent
	}
}

func TestStreamHandlerErrorsReachTheClient(t *testing.T) {
	ss := serveStreams(t)
	for _, tc := range []struct {
		fail     string
		sentinel bool
		msg      string
	}{
		{"leader", true, "after 3: not the leader"},
		{"plain", false, "plain stream failure"},
	} {
		st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Count", &countReq{N: 3, Fail: tc.fail})
		if err != nil {
			t.Fatalf("%s: stream: %v", tc.fail, err)
		}
		for i := range 3 {
			if m, err := st.Recv(); err != nil || m.I != i {
				t.Fatalf("%s: message %d = %+v, %v", tc.fail, i, m, err)
			}
		}
		_, err = st.Recv()
		var remote *RemoteError
		if !errors.As(err, &remote) || errors.Is(err, errNotLeader) != tc.sentinel || err.Error() != tc.msg {
			t.Fatalf("%s: end = %v; want a RemoteError %q (sentinel %v)", tc.fail, err, tc.msg, tc.sentinel)
		}
		st.Close()
	}
}

func TestStreamUnknownMethod(t *testing.T) {
	ss := serveStreams(t)
	st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Missing", &countReq{})
	if err == nil {
		defer st.Close()
		_, err = st.Recv()
	}
	if status.Code(err) != codes.Unimplemented {
		t.Fatalf("unknown stream method = %v, want Unimplemented", err)
	}
}

func TestStreamCloseEndsHandlerContext(t *testing.T) {
	ss := serveStreams(t)
	st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Wait", &countReq{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := st.Recv(); err != nil || m.Text != "started" {
		t.Fatalf("first message = %+v, %v", m, err)
	}
	st.Close()
	if err := <-ss.ctxEnd; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context ended with %v, want Canceled", err)
	}
	if _, err := st.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("Recv after Close = %v, want Canceled", err)
	}
}

func TestStopEndsOpenStreams(t *testing.T) {
	ss := serveStreams(t)
	const n = 8
	streams := make([]*ClientStream[countMsg], n)
	for i := range streams {
		st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Wait", &countReq{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.Recv(); err != nil {
			t.Fatal(err)
		}
		streams[i] = st
	}
	ss.srv.Stop() // returns although every handler is still waiting
	for range n {
		if err := <-ss.ctxEnd; !errors.Is(err, context.Canceled) {
			t.Fatalf("handler context ended with %v", err)
		}
	}
	for i, st := range streams {
		if _, err := st.Recv(); !errors.Is(err, ErrStopping) {
			t.Fatalf("stream %d after Stop = %v, want ErrStopping", i, err)
		}
	}
	var resp echoResp
	if err := ss.pool.Call(testCtx(t), ss.addr, "Test.Echo", &echoReq{}, &resp); err == nil {
		t.Fatal("a call after Stop succeeded")
	}
}

// TestStreamsShareOneConnection runs many concurrent streams over one pool.
func TestStreamsShareOneConnection(t *testing.T) {
	ss := serveStreams(t)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Stream[countReq, countMsg](testCtx(t), ss.pool, ss.addr, "Test.Count", &countReq{N: i})
			if err != nil {
				t.Errorf("stream %d: %v", i, err)
				return
			}
			defer st.Close()
			got := 0
			for {
				m, err := st.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil || m.I != got {
					t.Errorf("stream %d message %d = %+v, %v", i, got, m, err)
					return
				}
				got++
			}
			if got != i {
				t.Errorf("stream %d got %d messages", i, got)
			}
		}()
	}
	wg.Wait()
	ss.pool.mu.Lock()
	n := len(ss.pool.conns)
	ss.pool.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// BenchmarkStream is one stream of 100 messages over loopback:
// go test ./internal/rpc -bench Stream -benchmem
func BenchmarkStream(b *testing.B) {
	ss := serveStreams(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, err := Stream[countReq, countMsg](ctx, ss.pool, ss.addr, "Test.Count", &countReq{N: 100})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := st.Recv(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		st.Close()
	}
}
