package fsm

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/go-msgpack/v2/codec"

	"github.com/pylonmesh/pylon/server/state"
)

// Log entries are one MessageType byte followed by the request encoded
// with msgpack (the encoding raft itself uses). Structs are encoded as maps
// keyed by field name, so adding a field never breaks old entries.
var msgpackHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.MapType = reflect.TypeOf(map[string]any(nil)) // free-form maps as from JSON
	h.RawToString = true
	h.WriteExt = true
	return h
}()

type encoder struct {
	enc     *codec.Encoder
	scratch []byte
}

var (
	encoders = sync.Pool{New: func() any { return &encoder{enc: codec.NewEncoderBytes(nil, msgpackHandle)} }}
	decoders = sync.Pool{New: func() any { return codec.NewDecoderBytes(nil, msgpackHandle) }}
)

// Encode returns the log entry for a request of type t.
func Encode(t MessageType, msg any) ([]byte, error) {
	if r, ok := msg.(*state.KVRequest); ok && t == KVRequestType {
		return appendKV(append(make([]byte, 0, kvEntrySize(r)), byte(t)), r), nil // kv_codec.go
	}
	return encodeReflect(t, msg)
}

// encodeReflect encodes any request with the reflecting codec.
func encodeReflect(t MessageType, msg any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.scratch = e.scratch[:0]
	e.enc.ResetBytes(&e.scratch)
	if err := e.enc.Encode(msg); err != nil {
		return nil, fmt.Errorf("fsm: encode %s: %w", t, err)
	}
	out := make([]byte, 1+len(e.scratch))
	out[0] = byte(t)
	copy(out[1:], e.scratch)
	return out, nil
}

// decode reads one request body into out.
func decode(body []byte, out any) error {
	dec := decoders.Get().(*codec.Decoder)
	defer decoders.Put(dec)
	dec.ResetBytes(body)
	return dec.Decode(out)
}
