package gossip

import (
	"fmt"
	"maps"
	"strconv"
)

// Roles a member announces in its "role" tag (Consul's values).
const (
	RoleServer = "consul" // a server
	RoleClient = "node"   // a client agent
)

// Tag names, as Consul gossips them.
const (
	tagRole        = "role"
	tagDatacenter  = "dc"
	tagSegment     = "segment"
	tagID          = "id"
	tagBuild       = "build"
	tagVsn         = "vsn"
	tagVsnMin      = "vsn_min"
	tagVsnMax      = "vsn_max"
	tagServerPort  = "port"
	tagRaftVsn     = "raft_vsn"
	tagExpect      = "expect"
	tagBootstrap   = "bootstrap"
	tagWANJoinPort = "wan_join_port"
)

// Tags are what a member tells the pool about itself. Zero fields are not
// gossiped. Serf limits the encoded tags to 512 bytes.
type Tags struct {
	// Role is RoleServer or RoleClient ("role").
	Role string
	// Datacenter is the member's datacenter ("dc").
	Datacenter string
	// Segment is the network segment, empty for the default ("segment").
	Segment string
	// ID is the node ID, a UUID ("id").
	ID string
	// Build is the version string, "1.2.3" or "1.2.3:commit" ("build").
	Build string
	// Vsn, VsnMin and VsnMax are the Consul protocol versions spoken and
	// understood ("vsn", "vsn_min", "vsn_max").
	Vsn, VsnMin, VsnMax int
	// ServerPort is a server's RPC port ("port").
	ServerPort int
	// RaftVsn is a server's Raft protocol version ("raft_vsn").
	RaftVsn int
	// Expect is a server's -bootstrap-expect ("expect").
	Expect int
	// Bootstrap marks a server started with -bootstrap ("bootstrap" = "1").
	Bootstrap bool
	// WANJoinPort is the WAN gossip port a server can be joined at from
	// another datacenter ("wan_join_port").
	WANJoinPort int
	// Extra holds any other tags, gossiped as they are.
	Extra map[string]string
}

// intTags maps the integer tag names to their fields.
func (t *Tags) intTags() []struct {
	name string
	v    *int
} {
	return []struct {
		name string
		v    *int
	}{
		{tagVsn, &t.Vsn}, {tagVsnMin, &t.VsnMin}, {tagVsnMax, &t.VsnMax},
		{tagServerPort, &t.ServerPort}, {tagRaftVsn, &t.RaftVsn},
		{tagExpect, &t.Expect}, {tagWANJoinPort, &t.WANJoinPort},
	}
}

// stringTags maps the string tag names to their fields.
func (t *Tags) stringTags() []struct {
	name string
	v    *string
} {
	return []struct {
		name string
		v    *string
	}{
		{tagRole, &t.Role}, {tagDatacenter, &t.Datacenter}, {tagSegment, &t.Segment},
		{tagID, &t.ID}, {tagBuild, &t.Build},
	}
}

// Map returns the tags as serf gossips them. Extra keys never override the
// named fields.
func (t Tags) Map() map[string]string {
	m := maps.Clone(t.Extra)
	if m == nil {
		m = make(map[string]string)
	}
	for _, f := range t.stringTags() {
		delete(m, f.name)
		if *f.v != "" {
			m[f.name] = *f.v
		}
	}
	for _, f := range t.intTags() {
		delete(m, f.name)
		if *f.v != 0 {
			m[f.name] = strconv.Itoa(*f.v)
		}
	}
	delete(m, tagBootstrap)
	if t.Bootstrap {
		m[tagBootstrap] = "1"
	}
	return m
}

// ParseTags reads the tags of a member. Unknown names go to Extra; a
// malformed number is an error naming the tag.
func ParseTags(m map[string]string) (Tags, error) {
	var t Tags
	for _, f := range t.stringTags() {
		*f.v = m[f.name]
	}
	for _, f := range t.intTags() {
		s, ok := m[f.name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Tags{}, fmt.Errorf("gossip: tag %q: %q is not a non-negative integer", f.name, s)
		}
		*f.v = n
	}
	if s, ok := m[tagBootstrap]; ok {
		if s != "1" {
			return Tags{}, fmt.Errorf("gossip: tag %q: %q is not 1", tagBootstrap, s)
		}
		t.Bootstrap = true
	}
	for k, v := range m {
		if !t.known(k) {
			if t.Extra == nil {
				t.Extra = make(map[string]string)
			}
			t.Extra[k] = v
		}
	}
	return t, nil
}

// known reports whether name is one of the named tags.
func (t *Tags) known(name string) bool {
	if name == tagBootstrap {
		return true
	}
	for _, f := range t.stringTags() {
		if f.name == name {
			return true
		}
	}
	for _, f := range t.intTags() {
		if f.name == name {
			return true
		}
	}
	return false
}
