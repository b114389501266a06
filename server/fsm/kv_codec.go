package fsm

import (
	"github.com/tinylib/msgp/msgp"

	"github.com/pylonmesh/pylon/server/state"
)

// KV writes are most of the log under load, and every server decodes each
// one: with the reflecting msgpack codec that was a tenth of a follower's
// CPU. KV requests are therefore written and read by hand here, in the
// same format the reflecting codec uses (maps keyed by field name), so
// entries either one wrote read the same with both. Anything the hand
// reader does not expect (an unknown field, a nil where a string goes)
// is left to the reflecting codec, which decides as it always has.

// appendKV appends a KV request's body to b.
func appendKV(b []byte, r *state.KVRequest) []byte {
	b = msgp.AppendMapHeader(b, 2)
	b = msgp.AppendString(b, "Op")
	b = msgp.AppendString(b, string(r.Op))
	b = msgp.AppendString(b, "Entry")
	e := &r.Entry
	b = msgp.AppendMapHeader(b, 7)
	b = msgp.AppendString(b, "Key")
	b = msgp.AppendString(b, e.Key)
	b = msgp.AppendString(b, "Flags")
	b = msgp.AppendUint64(b, e.Flags)
	b = msgp.AppendString(b, "Value")
	if e.Value == nil {
		b = msgp.AppendNil(b)
	} else {
		b = msgp.AppendBytes(b, e.Value)
	}
	b = msgp.AppendString(b, "Session")
	b = msgp.AppendString(b, e.Session)
	b = msgp.AppendString(b, "LockIndex")
	b = msgp.AppendUint64(b, e.LockIndex)
	b = msgp.AppendString(b, "CreateIndex")
	b = msgp.AppendUint64(b, e.CreateIndex)
	b = msgp.AppendString(b, "ModifyIndex")
	return msgp.AppendUint64(b, e.ModifyIndex)
}

// kvEntrySize is an upper bound of a KV request's log entry size.
func kvEntrySize(r *state.KVRequest) int {
	const fixed = 1 + 2*msgp.MapHeaderSize + 9*msgp.StringPrefixSize + len("OpEntryKeyFlagsValueSessionLockIndexCreateIndexModifyIndex") +
		4*msgp.Uint64Size + msgp.BytesPrefixSize
	return fixed + 3*msgp.StringPrefixSize + len(r.Op) + len(r.Entry.Key) + len(r.Entry.Session) + len(r.Entry.Value)
}

// decodeKV reads a KV request's body.
func decodeKV(body []byte, r *state.KVRequest) error {
	if readKV(body, r) {
		return nil
	}
	*r = state.KVRequest{}
	return decode(body, r)
}

// readKV reads body by hand; false if it holds anything the hand reader
// does not expect, r then being partly set.
func readKV(body []byte, r *state.KVRequest) bool {
	n, b, err := msgp.ReadMapHeaderBytes(body)
	if err != nil {
		return false
	}
	for ; n > 0; n-- {
		var key []byte
		if key, b, err = msgp.ReadStringZC(b); err != nil {
			return false
		}
		switch string(key) {
		case "Op":
			var op string
			if op, b, err = msgp.ReadStringBytes(b); err != nil {
				return false
			}
			r.Op = state.KVOp(op)
		case "Entry":
			var ok bool
			if b, ok = readKVEntry(b, &r.Entry); !ok {
				return false
			}
		default:
			return false
		}
	}
	return len(b) == 0
}

// readKVEntry reads an entry's map from b and returns the rest of b;
// false where the hand reader gives up.
func readKVEntry(b []byte, e *state.KVEntry) ([]byte, bool) {
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return nil, false
	}
	for ; n > 0; n-- {
		var key []byte
		if key, b, err = msgp.ReadStringZC(b); err != nil {
			return nil, false
		}
		switch string(key) {
		case "Key":
			e.Key, b, err = msgp.ReadStringBytes(b)
		case "Session":
			e.Session, b, err = msgp.ReadStringBytes(b)
		case "Flags":
			e.Flags, b, err = msgp.ReadUint64Bytes(b)
		case "LockIndex":
			e.LockIndex, b, err = msgp.ReadUint64Bytes(b)
		case "CreateIndex":
			e.CreateIndex, b, err = msgp.ReadUint64Bytes(b)
		case "ModifyIndex":
			e.ModifyIndex, b, err = msgp.ReadUint64Bytes(b)
		case "Value":
			e.Value, b, err = readKVValue(b)
		default:
			return nil, false
		}
		if err != nil {
			return nil, false
		}
	}
	return b, true
}

// readKVValue reads a value written as bytes, as a string (msgpack before
// its bin types) or as nil, each as the reflecting codec reads it.
func readKVValue(b []byte) ([]byte, []byte, error) {
	switch msgp.NextType(b) {
	case msgp.NilType:
		rest, err := msgp.ReadNilBytes(b)
		return nil, rest, err
	case msgp.StrType:
		v, rest, err := msgp.ReadStringZC(b)
		return clone(v), rest, err
	default:
		v, rest, err := msgp.ReadBytesZC(b)
		return clone(v), rest, err
	}
}

// clone copies v: the entry must not hold on to the log's buffer.
func clone(v []byte) []byte {
	out := make([]byte, len(v))
	copy(out, v)
	return out
}
