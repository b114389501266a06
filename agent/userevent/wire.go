package userevent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// SerfPrefix starts the gossip name of a user event ("consul:event:" plus
// the event's name), as Consul's agents name theirs.
const SerfPrefix = "consul:event:"

var wireHandle = &codec.MsgpackHandle{}

// wireEvent is what travels in the gossip payload; the Lamport time is
// gossip's own.
type wireEvent struct {
	ID            string
	Name          string
	Payload       []byte
	NodeFilter    string
	ServiceFilter string
	TagFilter     string
	Version       int
}

// Encode returns the gossip name and payload of e.
func Encode(e *Event) (name string, payload []byte, err error) {
	w := wireEvent{e.ID, e.Name, e.Payload, e.NodeFilter, e.ServiceFilter, e.TagFilter, e.Version}
	if err := codec.NewEncoderBytes(&payload, wireHandle).Encode(&w); err != nil {
		return "", nil, fmt.Errorf("encode event %q: %w", e.Name, err)
	}
	return SerfPrefix + e.Name, payload, nil
}

// Decode reads a gossiped user event; ok is false for a gossip event that
// is not a user event of this kind (another prefix).
func Decode(name string, payload []byte, ltime uint64) (e *Event, ok bool, err error) {
	if !strings.HasPrefix(name, SerfPrefix) {
		return nil, false, nil
	}
	var w wireEvent
	if err := codec.NewDecoderBytes(payload, wireHandle).Decode(&w); err != nil {
		return nil, true, fmt.Errorf("decode event %q: %w", name, err)
	}
	if w.Name != strings.TrimPrefix(name, SerfPrefix) {
		return nil, true, errors.New("decode event: name does not match its gossip name")
	}
	return &Event{ID: w.ID, Name: w.Name, Payload: w.Payload, NodeFilter: w.NodeFilter,
		ServiceFilter: w.ServiceFilter, TagFilter: w.TagFilter, Version: w.Version, LTime: ltime}, true, nil
}
