package kvhistory

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// op is one operation of a hand-written history: times in milliseconds.
type op struct {
	client    int
	in        Input
	out       Output
	call, ret int
}

func historyOf(ops []op) *History {
	h := NewHistory()
	for _, o := range ops {
		h.Add(o.client, o.in, o.out, h.start.Add(time.Duration(o.call)*time.Millisecond),
			h.start.Add(time.Duration(o.ret)*time.Millisecond))
	}
	return h
}

func TestCheck(t *testing.T) {
	put := func(k, v string) Input { return Input{Kind: Put, Key: k, Value: v} }
	get := func(k string) Input { return Input{Kind: Get, Key: k} }
	cas := func(k, expect, v string) Input { return Input{Kind: CAS, Key: k, Expect: expect, Value: v} }
	cases := []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"read your write", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{1, get("a"), Output{Value: "1"}, 20, 30},
		}, porcupine.Ok},
		{"stale read after a completed write", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{0, put("a", "2"), Output{}, 11, 20},
			{1, get("a"), Output{Value: "1"}, 30, 40},
		}, porcupine.Illegal},
		{"concurrent read may see either", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{0, put("a", "2"), Output{}, 11, 50},
			{1, get("a"), Output{Value: "1"}, 20, 30},
		}, porcupine.Ok},
		{"two CAS winners on one value", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{1, cas("a", "1", "x"), Output{OK: true}, 20, 30},
			{2, cas("a", "1", "y"), Output{OK: true}, 20, 30},
		}, porcupine.Illegal},
		{"one CAS winner", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{1, cas("a", "1", "x"), Output{OK: true}, 20, 30},
			{2, cas("a", "1", "y"), Output{OK: false}, 20, 30},
			{0, get("a"), Output{Value: "x"}, 40, 50},
		}, porcupine.Ok},
		{"create-only CAS on an absent key", []op{
			{1, cas("a", "", "x"), Output{OK: true}, 0, 10},
			{0, get("a"), Output{Value: "x"}, 20, 30},
		}, porcupine.Ok},
		{"read of a deleted key", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{0, Input{Kind: Delete, Key: "a"}, Output{}, 11, 20},
			{1, get("a"), Output{Value: "1"}, 30, 40},
		}, porcupine.Illegal},
		{"a write of unknown outcome may have happened", []op{
			{0, put("a", "1"), Output{Unknown: true}, 0, 10},
			{1, get("a"), Output{Value: "1"}, 20, 30},
		}, porcupine.Ok},
		{"or not", []op{
			{0, put("a", "1"), Output{}, 0, 5},
			{0, put("a", "2"), Output{Unknown: true}, 6, 10},
			{1, get("a"), Output{Value: "1"}, 20, 30},
			{1, get("a"), Output{Value: "2"}, 40, 50},
		}, porcupine.Ok},
		{"keys are independent", []op{
			{0, put("a", "1"), Output{}, 0, 10},
			{1, get("b"), Output{Value: ""}, 20, 30},
		}, porcupine.Ok},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := historyOf(tc.ops).Check(10 * time.Second); got != tc.want {
				t.Fatalf("Check = %s, want %s", got, tc.want)
			}
		})
	}
}
