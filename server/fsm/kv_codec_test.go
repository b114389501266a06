package fsm

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/tinylib/msgp/msgp"

	"github.com/pylonmesh/pylon/server/state"
)

// kvCodecCases are requests whose entries both codecs must read alike.
var kvCodecCases = []state.KVRequest{
	{Op: state.KVSet, Entry: state.KVEntry{Key: "a/b", Value: []byte("v"), Flags: 3}},
	{Op: state.KVSet, Entry: state.KVEntry{Key: "nil-value"}},
	{Op: state.KVSet, Entry: state.KVEntry{Key: "empty-value", Value: []byte{}}},
	{Op: state.KVSet, Entry: state.KVEntry{Key: "big", Value: []byte(strings.Repeat("x", 70000))}},
	{Op: state.KVCAS, Entry: state.KVEntry{Key: "k", ModifyIndex: math.MaxUint64, Flags: math.MaxUint64}},
	{Op: state.KVLock, Entry: state.KVEntry{Key: "ключ/☃", Session: "b1d3f0a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b", LockIndex: 7, CreateIndex: 300}},
	{Op: state.KVDeleteTree},
}

// TestKVCodecMatchesReflection: an entry written by hand reads the same
// with the reflecting codec, and one the reflecting codec wrote (as every
// server before the hand codec did) reads the same by hand.
func TestKVCodecMatchesReflection(t *testing.T) {
	for _, want := range kvCodecCases {
		hand, err := Encode(KVRequestType, &want)
		if err != nil {
			t.Fatal(err)
		}
		old, err := encodeReflect(KVRequestType, &want)
		if err != nil {
			t.Fatal(err)
		}
		if len(hand) > kvEntrySize(&want) {
			t.Errorf("%q: entry of %d bytes, size bound %d", want.Entry.Key, len(hand), kvEntrySize(&want))
		}
		var viaReflect state.KVRequest
		if err := decode(hand[1:], &viaReflect); err != nil {
			t.Fatalf("%q: the reflecting codec cannot read the hand-written entry: %v", want.Entry.Key, err)
		}
		if !reflect.DeepEqual(viaReflect, want) {
			t.Errorf("hand-written, read by reflection:\n got %+v\nwant %+v", viaReflect, want)
		}
		for name, entry := range map[string][]byte{"hand-written": hand, "reflection-written": old} {
			var byHand state.KVRequest
			if !readKV(entry[1:], &byHand) {
				t.Errorf("%q: the hand reader gave up on the %s entry", want.Entry.Key, name)
			}
			if !reflect.DeepEqual(byHand, want) {
				t.Errorf("%s, read by hand:\n got %+v\nwant %+v", name, byHand, want)
			}
		}
	}
}

// TestKVCodecOddBodies: bodies in forms the hand writer never writes (an
// unknown field, which the hand reader leaves to the reflecting codec; a
// nil key; a string value) read as the reflecting codec reads them.
func TestKVCodecOddBodies(t *testing.T) {
	entry := func(fields ...any) []byte {
		b := msgp.AppendMapHeader(nil, uint32(len(fields)/2))
		for i := 0; i < len(fields); i += 2 {
			b = msgp.AppendString(b, fields[i].(string))
			var err error
			if b, err = msgp.AppendIntf(b, fields[i+1]); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	cases := []struct {
		name string
		body []byte
		want state.KVRequest
	}{
		{"an unknown field", entry("Op", "set", "Extra", 1, "Entry", map[string]any{"Key": "k"}),
			state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "k"}}},
		{"a nil key", entry("Op", "set", "Entry", map[string]any{"Key": nil, "Flags": 2}),
			state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Flags: 2}}},
		{"a string value", entry("Op", "set", "Entry", map[string]any{"Key": "k", "Value": "text"}),
			state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "k", Value: []byte("text")}}},
	}
	for _, c := range cases {
		var got state.KVRequest
		if err := decodeKV(c.body, &got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
	var got state.KVRequest
	if err := decodeKV(entry("Op", "set", "Entry", "not a map"), &got); err == nil {
		t.Error("an entry that is not a map was read without error")
	}
}

// FuzzKVCodec: whatever body the hand reader takes, the reflecting codec
// reads alike, so the hand reader never changes what an entry means.
func FuzzKVCodec(f *testing.F) {
	for _, r := range kvCodecCases {
		b, _ := Encode(KVRequestType, &r)
		f.Add(b[1:])
		old, _ := encodeReflect(KVRequestType, &r)
		f.Add(old[1:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var byHand state.KVRequest
		if !readKV(body, &byHand) {
			return
		}
		var viaReflect state.KVRequest
		if err := decode(body, &viaReflect); err != nil {
			t.Fatalf("the hand reader took a body the reflecting codec refuses (%v): %x", err, body)
		}
		if !reflect.DeepEqual(byHand, viaReflect) {
			t.Fatalf("the codecs disagree on %x:\n hand %+v\n refl %+v", body, byHand, viaReflect)
		}
	})
}

// BenchmarkKVDecode compares the hand reader of a KV write with the
// reflecting codec it replaces.
func BenchmarkKVDecode(b *testing.B) {
	entry, err := Encode(KVRequestType, &state.KVRequest{Op: state.KVSet,
		Entry: state.KVEntry{Key: "bench/key-000123", Value: []byte("some value of a few bytes")}})
	if err != nil {
		b.Fatal(err)
	}
	for name, read := range map[string]func([]byte, *state.KVRequest) error{"reflect": func(body []byte, r *state.KVRequest) error {
		return decode(body, r)
	}, "hand": decodeKV} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var r state.KVRequest
				if err := read(entry[1:], &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
