package gossip

import (
	"maps"
	"net"

	"github.com/hashicorp/serf/serf"
)

// Status is a member's state in the pool, with Consul's numbers (the
// Status field of /v1/agent/members).
type Status int

// Member states.
const (
	StatusNone    Status = iota // unknown
	StatusAlive                 // answering probes
	StatusLeaving               // announced a graceful leave
	StatusLeft                  // left gracefully
	StatusFailed                // stopped answering, or force-left
)

// String returns "alive", "leaving", "left", "failed" or "none".
func (s Status) String() string {
	switch s {
	case StatusAlive:
		return "alive"
	case StatusLeaving:
		return "leaving"
	case StatusLeft:
		return "left"
	case StatusFailed:
		return "failed"
	}
	return "none"
}

// Member is one node of the pool as this node sees it.
type Member struct {
	Name string
	Addr net.IP
	Port uint16
	// Tags are the member's tags as gossiped; read them with ParsedTags.
	Tags   map[string]string
	Status Status
	// ProtocolMin, ProtocolMax and ProtocolCur are memberlist's protocol
	// versions; DelegateMin, DelegateMax and DelegateCur serf's.
	ProtocolMin, ProtocolMax, ProtocolCur uint8
	DelegateMin, DelegateMax, DelegateCur uint8
}

// ParsedTags reads the member's tags into Tags.
func (m Member) ParsedTags() (Tags, error) { return ParseTags(m.Tags) }

// fromSerf converts a serf member, copying what serf may reuse.
func fromSerf(m serf.Member) Member {
	return Member{
		Name: m.Name, Addr: append(net.IP(nil), m.Addr...), Port: m.Port,
		Tags: maps.Clone(m.Tags), Status: Status(m.Status),
		ProtocolMin: m.ProtocolMin, ProtocolMax: m.ProtocolMax, ProtocolCur: m.ProtocolCur,
		DelegateMin: m.DelegateMin, DelegateMax: m.DelegateMax, DelegateCur: m.DelegateCur,
	}
}

// fromSerfAll converts a list of serf members.
func fromSerfAll(ms []serf.Member) []Member {
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = fromSerf(m)
	}
	return out
}
