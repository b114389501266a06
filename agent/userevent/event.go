package userevent

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// SizeLimit bounds an event's name, payload and filters together: events
// travel in one gossip message.
const SizeLimit = 512

// Event is one user event.
type Event struct {
	ID            string
	Name          string
	Payload       []byte
	NodeFilter    string
	ServiceFilter string
	TagFilter     string
	Version       int
	LTime         uint64
}

// ErrInvalid marks an event that cannot be fired.
var ErrInvalid = errors.New("invalid user event")

// Validate checks what Consul checks before firing: a name, filters that
// compile, a tag filter only with a service filter, and the size limit.
func (e *Event) Validate() error {
	if e.Name == "" {
		return fmt.Errorf("%w: missing name", ErrInvalid)
	}
	if e.TagFilter != "" && e.ServiceFilter == "" {
		return fmt.Errorf("%w: cannot provide tag filter without service filter", ErrInvalid)
	}
	for _, f := range []struct{ what, expr string }{
		{"node", e.NodeFilter}, {"service", e.ServiceFilter}, {"tag", e.TagFilter},
	} {
		if _, err := regexp.Compile(f.expr); err != nil {
			return fmt.Errorf("%w: %s filter: %v", ErrInvalid, f.what, err)
		}
	}
	if n := len(e.Name) + len(e.Payload) + len(e.NodeFilter) + len(e.ServiceFilter) + len(e.TagFilter); n > SizeLimit {
		return fmt.Errorf("%w: %d bytes exceeds the %d-byte limit of a user event", ErrInvalid, n, SizeLimit)
	}
	return nil
}

// Services is what an agent knows of its services, to match filters.
type Services interface {
	// EachService calls fn with each local service's name and tags until
	// fn returns true.
	EachService(fn func(name string, tags []string) bool)
}

// For reports whether an event is meant for this agent: the node filter
// matches its node name, and when a service filter is given some local
// service matches it (and, with a tag filter, one of that service's tags
// matches). Filters are regular expressions matched anywhere in the name,
// as Consul does; a filter that does not compile matches nothing.
func (e *Event) For(node string, svcs Services) bool {
	if e.NodeFilter != "" && !matches(e.NodeFilter, node) {
		return false
	}
	if e.ServiceFilter == "" {
		return true
	}
	found := false
	svcs.EachService(func(name string, tags []string) bool {
		if !matches(e.ServiceFilter, name) {
			return false
		}
		if e.TagFilter == "" {
			found = true
			return true
		}
		for _, t := range tags {
			if matches(e.TagFilter, t) {
				found = true
				return true
			}
		}
		return false
	})
	return found
}

func matches(expr, s string) bool {
	re, err := regexp.Compile(expr)
	return err == nil && re.MatchString(s)
}

// IDToIndex folds an event ID (a UUID) into the uint64 that serves as the
// blocking index of the event list: the XOR of the UUID's two halves, as
// Consul's clients compute it. An ID that is not a UUID folds to 0.
func IDToIndex(id string) uint64 {
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil || len(b) != 16 {
		return 0
	}
	return binary.BigEndian.Uint64(b[:8]) ^ binary.BigEndian.Uint64(b[8:])
}
