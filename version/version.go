// Package version says which Pylon this binary is: the release, the source
// revision it was built from, and the protocol versions it speaks. It is a
// leaf package that the agent and the CLI both read.
package version

import (
	"runtime/debug"
	"sync"
)

// Version is the release, without a leading "v". Nodes advertise it in the
// consul-version node meta and in their gossip build tag.
const Version = "0.1.0"

// The agent's RPC protocol: spoken by default, oldest and newest understood.
const (
	ProtocolDefault = 2
	ProtocolMin     = 2
	ProtocolMax     = 3
)

// GitCommit may be set at link time
// (-ldflags "-X github.com/pylonmesh/pylon/version.GitCommit=<sha>");
// it wins over the revision Go embeds in the build info.
var GitCommit string

var buildInfo = sync.OnceValues(func() (rev, date string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			date = s.Value
		}
	}
	return rev, date
})

// Revision returns the short (9 character) source revision, or "" when the
// binary was built without version control information.
func Revision() string {
	rev := GitCommit
	if rev == "" {
		rev, _ = buildInfo()
	}
	if len(rev) > 9 {
		rev = rev[:9]
	}
	return rev
}

// BuildDate returns the commit time (RFC 3339) embedded by the Go
// toolchain, or "" when unknown.
func BuildDate() string {
	_, date := buildInfo()
	return date
}
