package server

import (
	"reflect"
	"testing"

	"github.com/pylonmesh/pylon/internal/rpc"
)

var wireRequests = []HTTPRequest{
	{},
	{Method: "PUT", URI: "/v1/kv/a?cas=0", Header: map[string][]string{}, Body: []byte{}},
	{Method: "GET", URI: "/v1/health/service/web?index=7&wait=1s",
		Header:     map[string][]string{"X-Consul-Token": {"t"}, "Accept": {"a", "b"}, "Empty": {}, "Nil": nil},
		Body:       []byte{0, 0xff, 'x'},
		RemoteAddr: "127.0.0.1:5000"},
	{Method: "PUT", URI: "/v1/kv/ключ", Body: make([]byte, 70000)},
}

var wireResponses = []HTTPResponse{
	{},
	{Status: 200, Header: map[string][]string{"X-Consul-Index": {"12"}}, Body: []byte("true"), Leader: "127.0.0.1:8300"},
	{Status: 599, Header: map[string][]string{}, Body: []byte{}},
	{Status: -1, Body: make([]byte, 300)},
}

// TestHTTPForwardWire checks that the hand-written encoding of forwarded
// HTTP requests and answers and the reflective one read each other both
// ways, so agents of either kind interoperate.
func TestHTTPForwardWire(t *testing.T) {
	for _, want := range wireRequests {
		var viaOwn, viaReflect HTTPRequest
		roundTrips(t, &want, &viaOwn, &viaReflect)
		if !reflect.DeepEqual(viaOwn, want) || !reflect.DeepEqual(viaReflect, want) {
			t.Errorf("request %+v:\nown encoding read back as     %+v\nreflective encoding read as %+v", want, viaOwn, viaReflect)
		}
	}
	for _, want := range wireResponses {
		var viaOwn, viaReflect HTTPResponse
		roundTrips(t, &want, &viaOwn, &viaReflect)
		if !reflect.DeepEqual(viaOwn, want) || !reflect.DeepEqual(viaReflect, want) {
			t.Errorf("response %+v:\nown encoding read back as     %+v\nreflective encoding read as %+v", want, viaOwn, viaReflect)
		}
	}
}

// roundTrips writes msg with its own encoding and reads it back with the
// reflective decoder into viaOwn, and writes it with the reflective
// encoder and reads it back with its own decoder into viaReflect.
func roundTrips(t *testing.T, msg rpc.WireMessage, viaOwn any, viaReflect rpc.WireMessage) {
	t.Helper()
	own, err := msg.MarshalMsg(nil)
	if err != nil {
		t.Fatal(err)
	}
	if size := msg.(interface{ Msgsize() int }).Msgsize(); len(own) > size {
		t.Errorf("%T encodes to %d bytes, over its Msgsize %d", msg, len(own), size)
	}
	if err := rpc.Decode(own, viaOwn); err != nil {
		t.Fatalf("reflective decoder on own encoding: %v", err)
	}
	reflective, err := rpc.Encode(msg)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := viaReflect.UnmarshalMsg(reflective)
	if err != nil || len(rest) != 0 {
		t.Fatalf("own decoder on reflective encoding: %v, %d bytes left", err, len(rest))
	}
}

// TestHTTPForwardWireSkipsUnknownFields reads a request from an agent
// whose request has a field this one lacks.
func TestHTTPForwardWireSkipsUnknownFields(t *testing.T) {
	newer := struct {
		Method   string
		Deadline map[string]any
		URI      string
	}{Method: "GET", Deadline: map[string]any{"a": []any{1, "x"}}, URI: "/v1/agent/self"}
	b, err := rpc.Encode(newer)
	if err != nil {
		t.Fatal(err)
	}
	var got HTTPRequest
	if _, err := got.UnmarshalMsg(b); err != nil {
		t.Fatal(err)
	}
	if want := (HTTPRequest{Method: "GET", URI: "/v1/agent/self"}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestHTTPForwardWireRejects checks that bad input is an error naming the
// field, never a panic or a half-read message taken as whole.
func TestHTTPForwardWireRejects(t *testing.T) {
	good, _ := (&HTTPRequest{Method: "GET", URI: "/v1/kv/a", Header: map[string][]string{"A": {"b"}}}).MarshalMsg(nil)
	badHeader, _ := rpc.Encode(map[string]any{"Header": map[string]any{"A": 5}})
	for name, b := range map[string][]byte{
		"empty":     {},
		"not a map": {0x91, 0x01},
		"truncated": good[:len(good)-2],
		"bad field": badHeader,
	} {
		var r HTTPRequest
		if _, err := r.UnmarshalMsg(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzHTTPForwardWire feeds arbitrary bytes to the request decoder: it
// must fail cleanly or give a request that survives another trip through
// either encoding.
func FuzzHTTPForwardWire(f *testing.F) {
	for _, r := range wireRequests {
		b, err := r.MarshalMsg(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r HTTPRequest
		if _, err := r.UnmarshalMsg(data); err != nil {
			return
		}
		var viaOwn, viaReflect HTTPRequest
		roundTrips(t, &r, &viaOwn, &viaReflect)
		if !reflect.DeepEqual(viaOwn, r) || !reflect.DeepEqual(viaReflect, r) {
			t.Errorf("request %+v read back as %+v and %+v", r, viaOwn, viaReflect)
		}
	})
}
