package msgpwire

import (
	"fmt"

	"github.com/tinylib/msgp/msgp"
)

// ReadFields reads a map keyed by field name, handing each value to
// field, which returns what follows the value. The name is part of b (a
// string would cost an allocation a field): switch on string(name).
func ReadFields(b []byte, what string, field func(name, b []byte) ([]byte, error)) ([]byte, error) {
	if msgp.IsNil(b) {
		return msgp.ReadNilBytes(b)
	}
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for range n {
		var name []byte
		if name, b, err = ReadRaw(b); err != nil {
			return nil, fmt.Errorf("%s: field name: %w", what, err)
		}
		if b, err = field(name, b); err != nil {
			return nil, fmt.Errorf("%s: field %q: %w", what, name, err)
		}
	}
	return b, nil
}

// AppendBody writes a body as the reflective codec writes a []byte: as
// bin, and nil as nil.
func AppendBody(b, body []byte) []byte {
	if body == nil {
		return msgp.AppendNil(b)
	}
	return msgp.AppendBytes(b, body)
}

// ReadBody reads a body written as bin or str, or nil; the body is a copy,
// since b is usually a receive buffer.
func ReadBody(b []byte) ([]byte, []byte, error) {
	body, b, err := ReadBodyShared(b)
	if body == nil || err != nil {
		return nil, b, err
	}
	return append([]byte{}, body...), b, nil
}

// ReadBodyShared is ReadBody without the copy: the body is part of b.
func ReadBodyShared(b []byte) ([]byte, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return nil, b, err
	}
	return ReadRaw(b)
}

// ReadText reads a string written as str or bin, or nil as "".
func ReadText(b []byte) (string, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return "", b, err
	}
	raw, b, err := ReadRaw(b)
	return string(raw), b, err
}

// ReadRaw reads a str or a bin without copying it: the reflective codec
// writes strings as str and byte slices as bin, and reads either as both.
func ReadRaw(b []byte) ([]byte, []byte, error) {
	if msgp.NextType(b) == msgp.BinType {
		return msgp.ReadBytesZC(b)
	}
	return msgp.ReadStringZC(b)
}

// ReadInt reads an integer, or nil as 0.
func ReadInt(b []byte) (int, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return 0, b, err
	}
	return msgp.ReadIntBytes(b)
}
