package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type deadlineResp struct {
	Left time.Duration // 0: the handler's context had no deadline
}

// blocking registers Test.Block, whose handler reports its start on
// started and waits for release or the end of its context, which it
// reports on ended.
func blocking(started, release, ended chan struct{}) func(*Server) {
	return func(s *Server) {
		Handle(s, "Test.Block", func(ctx context.Context, req *echoReq) (*echoResp, error) {
			started <- struct{}{}
			select {
			case <-release:
				return &echoResp{Got: *req}, nil
			case <-ctx.Done():
				ended <- struct{}{}
				return nil, ctx.Err()
			}
		})
		Handle(s, "Test.Deadline", func(ctx context.Context, _ *echoReq) (*deadlineResp, error) {
			dl, ok := ctx.Deadline()
			if !ok {
				return &deadlineResp{}, nil
			}
			return &deadlineResp{Left: time.Until(dl)}, nil
		})
	}
}

// streamResp names the gRPC stream a call was served on.
type streamResp struct{ Method, Stream string }

// TestMultiplexedCallsShareOneStream: concurrent calls to one server all
// reach it on one gRPC stream, the multiplexed one, each with its own
// answer.
func TestMultiplexedCallsShareOneStream(t *testing.T) {
	pool, addr, _ := serveWith(t, func(s *Server) {
		Handle(s, "Test.Stream", func(ctx context.Context, req *echoReq) (*streamResp, error) {
			st := grpc.ServerTransportStreamFromContext(ctx)
			return &streamResp{Method: st.Method() + " " + req.Key, Stream: fmt.Sprintf("%p", st)}, nil
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	streams := make(chan string, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp streamResp
			key := fmt.Sprint(i)
			err := pool.CallMultiplexed(ctx, addr, "Test.Stream", &echoReq{Key: key}, &resp)
			if want := "/" + serviceName + "/" + muxMethod + " " + key; err != nil || resp.Method != want {
				t.Errorf("call %d = %+v, %v; want it served on %q", i, resp, err, want)
			}
			streams <- resp.Stream
		}()
	}
	wg.Wait()
	close(streams)
	first := <-streams
	for st := range streams {
		if st != first {
			t.Fatalf("calls to one server came on streams %s and %s", first, st)
		}
	}
}

// TestMultiplexedDeadlineAndCancel: the caller's deadline reaches the
// handler, and a caller that stops waiting ends the handler's context.
func TestMultiplexedDeadlineAndCancel(t *testing.T) {
	started, release, ended := make(chan struct{}, 1), make(chan struct{}), make(chan struct{}, 1)
	pool, addr, _ := serveWith(t, blocking(started, release, ended))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var dl deadlineResp
	if err := pool.CallMultiplexed(ctx, addr, "Test.Deadline", &echoReq{}, &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Left <= 20*time.Second || dl.Left > 30*time.Second {
		t.Fatalf("handler's deadline was %v away, want the caller's 30s less the trip", dl.Left)
	}
	if err := pool.CallMultiplexed(context.Background(), addr, "Test.Deadline", &echoReq{}, &dl); err != nil || dl.Left != 0 {
		t.Fatalf("call without a deadline: handler saw %v left, %v", dl.Left, err)
	}

	callCtx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- pool.CallMultiplexed(callCtx, addr, "Test.Block", &echoReq{}, &echoResp{}) }()
	<-started
	stop()
	if err := <-errc; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled call = %v, want Canceled", err)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's context did not end when its caller stopped waiting")
	}
}

// TestMultiplexedStop: a stopping server answers the calls in flight,
// then the stream ends, and the next call fails as a transport error
// (which callers retry elsewhere), not as a handler's error.
func TestMultiplexedStop(t *testing.T) {
	started, release, ended := make(chan struct{}, 1), make(chan struct{}), make(chan struct{}, 1)
	pool, addr, srv := serveWith(t, blocking(started, release, ended))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		resp echoResp
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = pool.CallMultiplexed(ctx, addr, "Test.Block", &echoReq{Key: "in flight"}, &r.resp)
		done <- r
	}()
	select {
	case <-started:
	case r := <-done:
		t.Fatalf("call ended before its handler started: %+v, %v", r.resp, r.err)
	}
	stopped := make(chan struct{})
	go func() { srv.Stop(); close(stopped) }()
	time.Sleep(50 * time.Millisecond) // Stop is waiting for the call
	close(release)
	r := <-done
	if r.err != nil || r.resp.Got.Key != "in flight" {
		t.Fatalf("call in flight during Stop = %+v, %v; want its answer", r.resp, r.err)
	}
	select {
	case <-stopped:
	case <-time.After(stopGrace - time.Second):
		t.Fatal("Stop waited for its grace period: the multiplexed stream did not end")
	}
	err := pool.CallMultiplexed(ctx, addr, "Test.Echo", &echoReq{}, &echoResp{})
	var remote *RemoteError
	if err == nil || errors.As(err, &remote) {
		t.Fatalf("call to a stopped server = %v, want a transport error", err)
	}
}

// TestMultiplexedCallsFailWhenTheConnectionCloses: a call waiting for its
// answer returns when the pool closes its connection.
func TestMultiplexedCallsFailWhenTheConnectionCloses(t *testing.T) {
	started, release, ended := make(chan struct{}, 1), make(chan struct{}), make(chan struct{}, 1)
	pool, addr, _ := serveWith(t, blocking(started, release, ended))
	defer close(release)
	errc := make(chan error, 1)
	go func() {
		errc <- pool.CallMultiplexed(context.Background(), addr, "Test.Block", &echoReq{}, &echoResp{})
	}()
	<-started
	pool.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("call answered after its connection closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("call still waiting after its connection closed")
	}
	<-ended // the server saw the stream go
}

func TestMuxWireRoundTrips(t *testing.T) {
	calls := []muxCall{
		{},
		{ID: 7, Method: "HTTP.Do", Token: "t", Proof: "p", Timeout: int64(time.Second), Body: []byte{1, 2}},
		{ID: 1 << 60, Cancel: true},
	}
	for _, c := range calls {
		roundTrip(t, &c, &muxCall{})
	}
	answers := []muxAnswer{
		{},
		{ID: 3, Body: []byte("answer")},
		{ID: 4, Code: codes.Unknown, Message: "not-leader\x1fno leader"},
	}
	for _, a := range answers {
		roundTrip(t, &a, &muxAnswer{})
	}
	var c muxCall
	if _, err := c.UnmarshalMsg([]byte{0x81, 0xa2, 'I', 'D', 0xa1, 'x'}); err == nil {
		t.Error("a call whose ID is a string decoded")
	}
}

// roundTrip encodes msg, checks the size bound, and reads it back into got,
// which must then print as msg does.
func roundTrip(t *testing.T, msg, got interface {
	WireMessage
	Msgsize() int
}) {
	t.Helper()
	b, _ := msg.MarshalMsg(nil)
	if len(b) > msg.Msgsize() {
		t.Errorf("%+v encodes to %d bytes, over its Msgsize %d", msg, len(b), msg.Msgsize())
	}
	if rest, err := got.UnmarshalMsg(b); err != nil || len(rest) != 0 || fmt.Sprint(got) != fmt.Sprint(msg) {
		t.Errorf("%+v came back as %+v (%d bytes left, %v)", msg, got, len(rest), err)
	}
}

// FuzzMuxWire: the multiplexed stream's messages are read from the
// network; any input either fails to decode or decodes to a message that
// encodes back to one that decodes the same.
func FuzzMuxWire(f *testing.F) {
	c, _ := (&muxCall{ID: 1, Method: "HTTP.Do", Token: "t", Timeout: 5, Body: []byte("x")}).MarshalMsg(nil)
	a, _ := (&muxAnswer{ID: 1, Code: codes.Unavailable, Message: "m", Body: []byte("y")}).MarshalMsg(nil)
	f.Add(c)
	f.Add(a)
	f.Fuzz(func(t *testing.T, in []byte) {
		var call muxCall
		if _, err := call.UnmarshalMsg(bytes.Clone(in)); err == nil {
			b, _ := call.MarshalMsg(nil)
			var again muxCall
			if _, err := again.UnmarshalMsg(b); err != nil || fmt.Sprint(again) != fmt.Sprint(call) {
				t.Fatalf("call %+v re-encoded as %+v, %v", call, again, err)
			}
		}
		var ans muxAnswer
		if _, err := ans.UnmarshalMsg(bytes.Clone(in)); err == nil {
			b, _ := ans.MarshalMsg(nil)
			var again muxAnswer
			if _, err := again.UnmarshalMsg(b); err != nil || fmt.Sprint(again) != fmt.Sprint(ans) {
				t.Fatalf("answer %+v re-encoded as %+v, %v", ans, again, err)
			}
		}
	})
}

// TestMultiplexedCallsFallBackToUnary: a server from before multiplexed
// calls refuses the stream; calls to it still run, as unary calls, and the
// pool stops opening streams to it for a while.
func TestMultiplexedCallsFallBackToUnary(t *testing.T) {
	pool, addr, _ := serveWith(t, func(s *Server) { s.noMux = true })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		var resp echoResp
		key := fmt.Sprint(i)
		if err := pool.CallMultiplexed(ctx, addr, "Test.Echo", &echoReq{Key: key}, &resp); err != nil || resp.Got.Key != key {
			t.Fatalf("call %d to a server without the stream = %+v, %v", i, resp, err)
		}
	}
	if _, err := pool.mux(addr); !errors.Is(err, errMuxRefused) {
		t.Fatalf("stream to a server that refused it = %v, want errMuxRefused until muxRetry", err)
	}
}
