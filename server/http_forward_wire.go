package server

import (
	"fmt"

	"github.com/tinylib/msgp/msgp"
)

// Every KV write, catalog read and other HTTP API call that reaches a
// client agent crosses to a server as an HTTPRequest and back as an
// HTTPResponse, and reflection-driven msgpack spent about 4% of the CPU
// of a forwarded PUT on their header maps. These two messages therefore
// encode themselves (the rpc codec's wire messages), in exactly the form
// the reflective codec gives them: a map keyed by field name. Agents of
// either kind of encoding read each other, and an unknown field is
// skipped, as the reflective decoder does.

// MarshalMsg appends the request's msgpack encoding to b.
func (r *HTTPRequest) MarshalMsg(b []byte) ([]byte, error) {
	b = msgp.AppendMapHeader(b, 5)
	b = msgp.AppendString(msgp.AppendString(b, "Method"), r.Method)
	b = msgp.AppendString(msgp.AppendString(b, "URI"), r.URI)
	b = appendHeader(msgp.AppendString(b, "Header"), r.Header)
	b = appendBody(msgp.AppendString(b, "Body"), r.Body)
	b = msgp.AppendString(msgp.AppendString(b, "RemoteAddr"), r.RemoteAddr)
	return b, nil
}

// UnmarshalMsg reads a request from b and returns what follows it.
func (r *HTTPRequest) UnmarshalMsg(b []byte) ([]byte, error) {
	*r = HTTPRequest{}
	return readFields(b, "http request", func(field string, b []byte) ([]byte, error) {
		var err error
		switch field {
		case "Method":
			r.Method, b, err = readText(b)
		case "URI":
			r.URI, b, err = readText(b)
		case "Header":
			r.Header, b, err = readHeader(b)
		case "Body":
			r.Body, b, err = readBody(b)
		case "RemoteAddr":
			r.RemoteAddr, b, err = readText(b)
		default:
			b, err = msgp.Skip(b)
		}
		return b, err
	})
}

// MarshalMsg appends the response's msgpack encoding to b.
func (r *HTTPResponse) MarshalMsg(b []byte) ([]byte, error) {
	b = msgp.AppendMapHeader(b, 4)
	b = msgp.AppendInt(msgp.AppendString(b, "Status"), r.Status)
	b = appendHeader(msgp.AppendString(b, "Header"), r.Header)
	b = appendBody(msgp.AppendString(b, "Body"), r.Body)
	b = msgp.AppendString(msgp.AppendString(b, "Leader"), r.Leader)
	return b, nil
}

// UnmarshalMsg reads a response from b and returns what follows it.
func (r *HTTPResponse) UnmarshalMsg(b []byte) ([]byte, error) {
	*r = HTTPResponse{}
	return readFields(b, "http response", func(field string, b []byte) ([]byte, error) {
		var err error
		switch field {
		case "Status":
			r.Status, b, err = readInt(b)
		case "Header":
			r.Header, b, err = readHeader(b)
		case "Body":
			r.Body, b, err = readBody(b)
		case "Leader":
			r.Leader, b, err = readText(b)
		default:
			b, err = msgp.Skip(b)
		}
		return b, err
	})
}

// readFields reads a map keyed by field name, handing each value to
// field, which returns what follows the value.
func readFields(b []byte, what string, field func(name string, b []byte) ([]byte, error)) ([]byte, error) {
	if msgp.IsNil(b) {
		return msgp.ReadNilBytes(b)
	}
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for range n {
		var name []byte
		if name, b, err = readRaw(b); err != nil {
			return nil, fmt.Errorf("%s: field name: %w", what, err)
		}
		if b, err = field(string(name), b); err != nil {
			return nil, fmt.Errorf("%s: field %q: %w", what, name, err)
		}
	}
	return b, nil
}

// appendHeader writes an HTTP header as the reflective codec writes a
// map[string][]string: nil stays nil.
func appendHeader(b []byte, h map[string][]string) []byte {
	if h == nil {
		return msgp.AppendNil(b)
	}
	b = msgp.AppendMapHeader(b, uint32(len(h)))
	for k, vs := range h {
		b = msgp.AppendString(b, k)
		if vs == nil {
			b = msgp.AppendNil(b)
			continue
		}
		b = msgp.AppendArrayHeader(b, uint32(len(vs)))
		for _, v := range vs {
			b = msgp.AppendString(b, v)
		}
	}
	return b
}

func readHeader(b []byte) (map[string][]string, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return nil, b, err
	}
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return nil, nil, err
	}
	h := make(map[string][]string, min(n, uint32(len(b))))
	for range n {
		var k string
		if k, b, err = readText(b); err != nil {
			return nil, nil, err
		}
		if msgp.IsNil(b) {
			if b, err = msgp.ReadNilBytes(b); err != nil {
				return nil, nil, err
			}
			h[k] = nil
			continue
		}
		var m uint32
		if m, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
			return nil, nil, err
		}
		vs := make([]string, 0, min(m, uint32(len(b))))
		for range m {
			var v string
			if v, b, err = readText(b); err != nil {
				return nil, nil, err
			}
			vs = append(vs, v)
		}
		h[k] = vs
	}
	return h, b, nil
}

// appendBody writes a body as the reflective codec writes a []byte: as
// bin, and nil as nil.
func appendBody(b, body []byte) []byte {
	if body == nil {
		return msgp.AppendNil(b)
	}
	return msgp.AppendBytes(b, body)
}

// readBody reads a body written as bin or str, or nil; the body is a copy,
// since b is the RPC's receive buffer.
func readBody(b []byte) ([]byte, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return nil, b, err
	}
	raw, b, err := readRaw(b)
	if err != nil {
		return nil, nil, err
	}
	return append([]byte{}, raw...), b, nil
}

func readText(b []byte) (string, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return "", b, err
	}
	raw, b, err := readRaw(b)
	return string(raw), b, err
}

// readRaw reads a str or a bin without copying it: the reflective codec
// writes strings as str and byte slices as bin, and reads either as both.
func readRaw(b []byte) ([]byte, []byte, error) {
	if msgp.NextType(b) == msgp.BinType {
		return msgp.ReadBytesZC(b)
	}
	return msgp.ReadStringZC(b)
}

func readInt(b []byte) (int, []byte, error) {
	if msgp.IsNil(b) {
		b, err := msgp.ReadNilBytes(b)
		return 0, b, err
	}
	return msgp.ReadIntBytes(b)
}
