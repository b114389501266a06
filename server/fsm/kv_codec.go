package fsm

import (
	"errors"

	"github.com/tinylib/msgp/msgp"

	"github.com/pylonmesh/pylon/internal/msgpwire"
	"github.com/pylonmesh/pylon/server/state"
)

// KV writes are most of the log under load, and every server decodes each
// one: with the reflecting msgpack codec that was a tenth of a follower's
// CPU. KV requests are therefore written and read by hand here, in the
// same format the reflecting codec uses (maps keyed by field name), so
// entries either one wrote read the same with both (FuzzKVCodec holds the
// hand reader to that). A body with a field the hand reader does not know,
// or a value of a kind it does not take, is left to the reflecting codec,
// which decides as it always has.

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
	b = msgpwire.AppendBody(msgp.AppendString(b, "Value"), e.Value)
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
	rest, err := msgpwire.ReadFields(body, "kv request", func(field []byte, b []byte) ([]byte, error) {
		var err error
		switch string(field) {
		case "Op":
			var op string
			op, b, err = msgpwire.ReadText(b)
			r.Op = state.KVOp(op)
		case "Entry":
			b, err = readKVEntry(b, &r.Entry)
		default:
			err = errUnexpected
		}
		return b, err
	})
	return err == nil && len(rest) == 0
}

// errUnexpected sends a body to the reflecting codec.
var errUnexpected = errors.New("left to the reflecting codec")

// readKVEntry reads an entry's map from b and returns the rest of b.
func readKVEntry(b []byte, e *state.KVEntry) ([]byte, error) {
	return msgpwire.ReadFields(b, "kv entry", func(field []byte, b []byte) ([]byte, error) {
		var err error
		switch string(field) {
		case "Key":
			e.Key, b, err = msgpwire.ReadText(b)
		case "Session":
			e.Session, b, err = msgpwire.ReadText(b)
		case "Flags":
			e.Flags, b, err = msgp.ReadUint64Bytes(b)
		case "LockIndex":
			e.LockIndex, b, err = msgp.ReadUint64Bytes(b)
		case "CreateIndex":
			e.CreateIndex, b, err = msgp.ReadUint64Bytes(b)
		case "ModifyIndex":
			e.ModifyIndex, b, err = msgp.ReadUint64Bytes(b)
		case "Value": // a copy: the entry must not hold on to the log's buffer
			e.Value, b, err = msgpwire.ReadBody(b)
		default:
			err = errUnexpected
		}
		return b, err
	})
}
