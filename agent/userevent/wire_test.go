package userevent

import (
	"reflect"
	"testing"
)

func TestWireRoundTrip(t *testing.T) {
	in := &Event{ID: "0b7c7a27-6a4e-4b5b-8c1c-8bbd7c7c2a11", Name: "deploy", Payload: []byte("v2"),
		NodeFilter: "web-.*", ServiceFilter: "api", TagFilter: "blue", Version: 1, LTime: 9}
	name, payload, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if name != "consul:event:deploy" {
		t.Fatalf("gossip name = %q", name)
	}
	out, ok, err := Decode(name, payload, 9)
	if err != nil || !ok {
		t.Fatalf("Decode = %v, %v", ok, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

func TestDecodeRejects(t *testing.T) {
	_, payload, _ := Encode(&Event{Name: "a"})
	for _, tc := range []struct {
		name    string
		gname   string
		payload []byte
		ok      bool
	}{
		{"other prefix", "other:a", payload, false},
		{"garbage", "consul:event:a", []byte{0xc1, 0x00}, true},
		{"name mismatch", "consul:event:b", payload, true},
	} {
		e, ok, err := Decode(tc.gname, tc.payload, 1)
		if ok != tc.ok || e != nil || (ok && err == nil) {
			t.Errorf("%s: Decode = %v, %v, %v", tc.name, e, ok, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	_, payload, _ := Encode(&Event{Name: "a", Payload: []byte("x")})
	f.Add("consul:event:a", payload)
	f.Add("consul:event:", []byte{})
	f.Add("consul:event:a", []byte{0xde, 0xad})
	f.Fuzz(func(t *testing.T, name string, payload []byte) {
		e, ok, err := Decode(name, payload, 1)
		if err == nil && ok && e == nil {
			t.Fatal("no error and no event")
		}
	})
}
