package api

import (
	"net/http"
	"strconv"
	"strings"
)

// UserEvent is a custom event fired into the cluster. Only Name, Payload
// and the filters are set by the caller; the agent fills the rest.
type UserEvent struct {
	ID      string
	Name    string
	Payload []byte

	// NodeFilter, ServiceFilter and TagFilter are regular expressions: an
	// agent handles the event only if its node name matches, and, with a
	// service filter, one of its services (with a matching tag) does.
	NodeFilter    string
	ServiceFilter string
	TagFilter     string

	Version int
	// LTime is the event's Lamport time in the gossip pool.
	LTime uint64
}

// Event reaches the /v1/event endpoints.
type Event struct {
	c *Client
}

// Event returns a handle for the event endpoints.
func (c *Client) Event() *Event { return &Event{c: c} }

// Fire sends a user event and returns its ID. Only params' Name, Payload
// and filters are sent.
func (e *Event) Fire(params *UserEvent, q *WriteOptions) (string, *WriteMeta, error) {
	r := e.c.newRequest(http.MethodPut, "/v1/event/fire/"+params.Name)
	r.setWriteOptions(q)
	for k, v := range map[string]string{"node": params.NodeFilter, "service": params.ServiceFilter, "tag": params.TagFilter} {
		if v != "" {
			r.params.Set(k, v)
		}
	}
	var out UserEvent
	wm, err := e.c.execBytes(r, params.Payload, &out)
	if err != nil {
		return "", nil, err
	}
	return out.ID, wm, nil
}

// List returns the most recent events the agent has seen (its last 256),
// only those named name when name is not "". The list blocks on an index
// made from the newest event's ID (see IDToIndex); that index is only
// meaningful against one agent.
func (e *Event) List(name string, q *QueryOptions) ([]*UserEvent, *QueryMeta, error) {
	var extra map[string][]string
	if name != "" {
		extra = map[string][]string{"name": {name}}
	}
	var out []*UserEvent
	qm, err := getWith(e.c, "/v1/event/list", q, extra, &out)
	return out, qm, err
}

// IDToIndex folds an event ID (a UUID) into the blocking index the event
// list reports for it: the XOR of the UUID's two 64-bit halves. Consul's
// client panics on an ID that is not a UUID; this one returns 0.
func (e *Event) IDToIndex(uuid string) uint64 {
	hexID := strings.ReplaceAll(uuid, "-", "")
	if len(uuid) != 36 || len(hexID) != 32 {
		return 0
	}
	hi, err1 := strconv.ParseUint(hexID[:16], 16, 64)
	lo, err2 := strconv.ParseUint(hexID[16:], 16, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return hi ^ lo
}
