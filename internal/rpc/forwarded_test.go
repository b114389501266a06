package rpc

import (
	"context"
	"testing"
)

type flagResp struct{ Forwarded bool }

func TestForwardedMarkCrossesTheWire(t *testing.T) {
	pool, addr := serve(t)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"plain call", context.Background(), false},
		{"marked call", MarkForwarded(context.Background(), "proof"), true},
	} {
		var resp flagResp
		if err := pool.Call(tc.ctx, addr, "Test.Forwarded", &echoReq{}, &resp); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if resp.Forwarded != tc.want {
			t.Errorf("%s: handler saw forwarded=%v, want %v", tc.name, resp.Forwarded, tc.want)
		}
	}
}

type tokenResp struct{ Token string }

func TestTokenCrossesTheWire(t *testing.T) {
	pool, addr := serve(t)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"no token", context.Background(), ""},
		{"token", WithToken(context.Background(), "s3cret"), "s3cret"},
		{"empty token", WithToken(context.Background(), ""), ""},
		{"with the forwarded mark", WithToken(MarkForwarded(context.Background(), "proof"), "t2"), "t2"},
	} {
		var resp tokenResp
		if err := pool.Call(tc.ctx, addr, "Test.Token", &echoReq{}, &resp); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if resp.Token != tc.want {
			t.Errorf("%s: handler saw token %q, want %q", tc.name, resp.Token, tc.want)
		}
	}
}
