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
		for _, way := range callWays {
			var resp flagResp
			if err := way.call(pool, tc.ctx, addr, "Test.Forwarded", &echoReq{}, &resp); err != nil {
				t.Fatalf("%s, %s: %v", tc.name, way.name, err)
			}
			if resp.Forwarded != tc.want {
				t.Errorf("%s, %s: handler saw forwarded=%v, want %v", tc.name, way.name, resp.Forwarded, tc.want)
			}
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
		for _, way := range callWays {
			var resp tokenResp
			if err := way.call(pool, tc.ctx, addr, "Test.Token", &echoReq{}, &resp); err != nil {
				t.Fatalf("%s, %s: %v", tc.name, way.name, err)
			}
			if resp.Token != tc.want {
				t.Errorf("%s, %s: handler saw token %q, want %q", tc.name, way.name, resp.Token, tc.want)
			}
		}
	}
}
