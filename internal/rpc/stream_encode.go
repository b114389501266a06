package rpc

import (
	"fmt"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// Raw is a value encoded ahead of time by Encode. As a field of a message
// (or an element of a slice field) it is written as it is, so a part that
// many streams send, such as one change event fanned out to every
// subscriber, is encoded once. The receiver decodes the field as the value
// Encode was given.
type Raw = codec.Raw

// rawCodec is Encode's codec; one handle keeps its type cache warm.
var rawCodec = newCodec()

// Encode encodes v as the codec would within a message.
func Encode(v any) (Raw, error) {
	var b []byte
	if err := codec.NewEncoderBytes(&b, rawCodec.h).Encode(v); err != nil {
		return nil, fmt.Errorf("rpc: encode %T: %w", v, err)
	}
	return Raw(b), nil
}

// Decode decodes data, as Encode or a message made it, into v.
func Decode(data []byte, v any) error {
	if err := codec.NewDecoderBytes(data, rawCodec.h).Decode(v); err != nil {
		return fmt.Errorf("rpc: decode %T: %w", v, err)
	}
	return nil
}
