package rpc

import (
	"fmt"
	"reflect"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"google.golang.org/grpc/mem"
)

// codecName is the gRPC content subtype of the codec.
const codecName = "pylon-msgpack"

// msgpackCodec encodes messages with msgpack: structs as maps keyed by
// field name, so a field added on one side never breaks the other.
type msgpackCodec struct{ h *codec.MsgpackHandle }

func newCodec() msgpackCodec {
	h := &codec.MsgpackHandle{}
	h.MapType = reflect.TypeOf(map[string]any(nil))
	h.RawToString = true
	h.WriteExt = true
	h.Raw = true // Raw fields are written as Encode made them
	return msgpackCodec{h: h}
}

func (c msgpackCodec) Marshal(v any) (mem.BufferSlice, error) {
	var b []byte
	if err := codec.NewEncoderBytes(&b, c.h).Encode(v); err != nil {
		return nil, fmt.Errorf("rpc: encode %T: %w", v, err)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (c msgpackCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if err := codec.NewDecoderBytes(data.Materialize(), c.h).Decode(v); err != nil {
		return fmt.Errorf("rpc: decode %T: %w", v, err)
	}
	return nil
}

func (msgpackCodec) Name() string { return codecName }
