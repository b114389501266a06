package rpc

import (
	"github.com/tinylib/msgp/msgp"
	"google.golang.org/grpc/codes"

	"github.com/pylonmesh/pylon/internal/msgpwire"
)

// muxCall is one call, or the cancellation of one, on a multiplexed
// stream (mux.go), from the client to the server.
type muxCall struct {
	ID     uint64
	Method string
	// Token and Proof are what WithToken and MarkForwarded put in a
	// unary call's metadata; Proof is "" for an unmarked call.
	Token string
	Proof string
	// Timeout is what was left of the caller's deadline, in nanoseconds;
	// 0 for none.
	Timeout int64
	// Cancel withdraws the call ID: its caller stopped waiting.
	Cancel bool
	// Body is the encoded request. Decoded, it shares the received
	// message's memory.
	Body []byte
}

// muxAnswer is the server's answer to a muxCall, or with ID 0 its notice
// that it is stopping (muxGoAway).
type muxAnswer struct {
	ID uint64
	// Code and Message are the call's gRPC status, as a unary call would
	// end with; Code is OK when Body holds the answer.
	Code    codes.Code
	Message string
	Body    []byte
}

// muxGoAway is the ID of the answer that tells a client the server is
// stopping: it should send its next calls elsewhere.
const muxGoAway = 0

// Msgsize bounds the encoded size (WireMessage).
func (c *muxCall) Msgsize() int {
	return 64 + len(c.Method) + len(c.Token) + len(c.Proof) + len(c.Body)
}

func (c *muxCall) MarshalMsg(b []byte) ([]byte, error) {
	b = msgp.AppendMapHeader(b, 7)
	b = msgp.AppendUint64(msgp.AppendString(b, "ID"), c.ID)
	b = msgp.AppendString(msgp.AppendString(b, "Method"), c.Method)
	b = msgp.AppendString(msgp.AppendString(b, "Token"), c.Token)
	b = msgp.AppendString(msgp.AppendString(b, "Proof"), c.Proof)
	b = msgp.AppendInt64(msgp.AppendString(b, "Timeout"), c.Timeout)
	b = msgp.AppendBool(msgp.AppendString(b, "Cancel"), c.Cancel)
	b = msgpwire.AppendBody(msgp.AppendString(b, "Body"), c.Body)
	return b, nil
}

func (c *muxCall) UnmarshalMsg(b []byte) ([]byte, error) {
	*c = muxCall{}
	return msgpwire.ReadFields(b, "mux call", func(field []byte, b []byte) ([]byte, error) {
		var err error
		switch string(field) {
		case "ID":
			c.ID, b, err = msgp.ReadUint64Bytes(b)
		case "Method":
			c.Method, b, err = msgpwire.ReadText(b)
		case "Token":
			c.Token, b, err = msgpwire.ReadText(b)
		case "Proof":
			c.Proof, b, err = msgpwire.ReadText(b)
		case "Timeout":
			c.Timeout, b, err = msgp.ReadInt64Bytes(b)
		case "Cancel":
			c.Cancel, b, err = msgp.ReadBoolBytes(b)
		case "Body":
			c.Body, b, err = msgpwire.ReadBodyShared(b)
		default:
			b, err = msgp.Skip(b)
		}
		return b, err
	})
}

// Msgsize bounds the encoded size (WireMessage).
func (a *muxAnswer) Msgsize() int { return 48 + len(a.Message) + len(a.Body) }

func (a *muxAnswer) MarshalMsg(b []byte) ([]byte, error) {
	b = msgp.AppendMapHeader(b, 4)
	b = msgp.AppendUint64(msgp.AppendString(b, "ID"), a.ID)
	b = msgp.AppendUint32(msgp.AppendString(b, "Code"), uint32(a.Code))
	b = msgp.AppendString(msgp.AppendString(b, "Message"), a.Message)
	b = msgpwire.AppendBody(msgp.AppendString(b, "Body"), a.Body)
	return b, nil
}

func (a *muxAnswer) UnmarshalMsg(b []byte) ([]byte, error) {
	*a = muxAnswer{}
	return msgpwire.ReadFields(b, "mux answer", func(field []byte, b []byte) ([]byte, error) {
		var err error
		switch string(field) {
		case "ID":
			a.ID, b, err = msgp.ReadUint64Bytes(b)
		case "Code":
			var code uint32
			code, b, err = msgp.ReadUint32Bytes(b)
			a.Code = codes.Code(code)
		case "Message":
			a.Message, b, err = msgpwire.ReadText(b)
		case "Body":
			a.Body, b, err = msgpwire.ReadBodyShared(b)
		default:
			b, err = msgp.Skip(b)
		}
		return b, err
	})
}
