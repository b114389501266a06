package rpc

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"google.golang.org/grpc/mem"
)

// codecName is the gRPC content subtype of the codec.
const codecName = "pylon-msgpack"

// msgpackCodec encodes messages with msgpack: structs as maps keyed by
// field name, so a field added on one side never breaks the other.
// Encoders and decoders are pooled: making one costs more than a small
// message's encoding.
type msgpackCodec struct {
	h        *codec.MsgpackHandle
	encoders *sync.Pool
	decoders *sync.Pool
}

func newCodec() msgpackCodec {
	h := &codec.MsgpackHandle{}
	h.MapType = reflect.TypeOf(map[string]any(nil))
	h.RawToString = true
	h.WriteExt = true
	h.Raw = true // Raw fields are written as Encode made them
	return msgpackCodec{h: h, encoders: new(sync.Pool), decoders: new(sync.Pool)}
}

// WireMessage is a message that encodes itself, without reflection, in
// the form this codec gives it otherwise: a msgpack map keyed by field
// name, so either end may use either way. The busiest calls' messages
// implement it (the names are tinylib/msgp's). One that also has a
// Msgsize method, an upper bound of its encoded size, is encoded into a
// buffer of that size rather than one grown as it goes.
type WireMessage interface {
	MarshalMsg(b []byte) ([]byte, error)
	UnmarshalMsg(b []byte) (rest []byte, err error)
}

func (c msgpackCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, err := c.encode(v)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (c msgpackCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return c.decode(data.Materialize(), v)
}

// encode returns v's encoding.
func (c msgpackCodec) encode(v any) ([]byte, error) {
	if m, ok := v.(WireMessage); ok {
		var b []byte
		if sized, ok := m.(interface{ Msgsize() int }); ok {
			b = make([]byte, 0, sized.Msgsize())
		}
		b, err := m.MarshalMsg(b)
		if err != nil {
			return nil, fmt.Errorf("rpc: encode %T: %w", v, err)
		}
		return b, nil
	}
	var b []byte
	enc, _ := c.encoders.Get().(*codec.Encoder)
	if enc == nil {
		enc = codec.NewEncoderBytes(&b, c.h)
	} else {
		enc.ResetBytes(&b)
	}
	defer c.encoders.Put(enc)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("rpc: encode %T: %w", v, err)
	}
	return b, nil
}

// decode reads v from in, which must hold exactly one message. A decoded
// message may share in's memory, so in must be the caller's to give.
func (c msgpackCodec) decode(in []byte, v any) error {
	if m, ok := v.(WireMessage); ok {
		rest, err := m.UnmarshalMsg(in)
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("%d bytes after the message", len(rest))
		}
		if err != nil {
			return fmt.Errorf("rpc: decode %T: %w", v, err)
		}
		return nil
	}
	dec, _ := c.decoders.Get().(*codec.Decoder)
	if dec == nil {
		dec = codec.NewDecoderBytes(in, c.h)
	} else {
		dec.ResetBytes(in)
	}
	defer c.decoders.Put(dec)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("rpc: decode %T: %w", v, err)
	}
	return nil
}

func (msgpackCodec) Name() string { return codecName }
