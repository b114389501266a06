package gossip

import (
	"fmt"

	"github.com/hashicorp/serf/serf"
)

// EventType tells what an Event is about.
type EventType int

// Event types.
const (
	EventMemberJoin   EventType = iota + 1 // members joined
	EventMemberLeave                       // members left gracefully
	EventMemberFailed                      // members stopped answering
	EventMemberUpdate                      // members changed their tags
	EventMemberReap                        // failed or left members were forgotten
	EventUser                              // a user event (UserEvent)
)

// String returns the event type as Consul logs it ("member-join", "user").
func (t EventType) String() string {
	switch t {
	case EventMemberJoin:
		return "member-join"
	case EventMemberLeave:
		return "member-leave"
	case EventMemberFailed:
		return "member-failed"
	case EventMemberUpdate:
		return "member-update"
	case EventMemberReap:
		return "member-reap"
	case EventUser:
		return "user"
	}
	return fmt.Sprintf("event(%d)", int(t))
}

// Event is a change in the pool handed to Config.EventHandler: Members for
// member events, Name, Payload, LTime and Coalesce for user events.
type Event struct {
	Type    EventType
	Members []Member
	// Name and Payload are the user event's; LTime is its Lamport time,
	// increasing across the pool.
	Name     string
	Payload  []byte
	LTime    uint64
	Coalesce bool
}

// UserEventSizeLimit is the most bytes a user event's name and payload may
// take together.
const UserEventSizeLimit = 512

// UserEvent broadcasts a custom event to every member (this one included).
// With coalesce, events of the same name received close together may be
// delivered as the newest one only.
func (p *Pool) UserEvent(name string, payload []byte, coalesce bool) error {
	if err := p.serf.UserEvent(name, payload, coalesce); err != nil {
		return fmt.Errorf("gossip: user event %q: %w", name, err)
	}
	return nil
}

// eventLoop hands serf's events to the handler until Shutdown.
func (p *Pool) eventLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case e := <-p.events:
			ev, ok := convertEvent(e)
			if !ok {
				continue
			}
			p.log.Debug("gossip event", "type", ev.Type.String(), "members", len(ev.Members), "name", ev.Name)
			if p.cfg.EventHandler != nil {
				p.cfg.EventHandler(ev)
			}
		}
	}
}

// memberEventTypes maps serf's member event types to ours.
var memberEventTypes = map[serf.EventType]EventType{
	serf.EventMemberJoin: EventMemberJoin, serf.EventMemberLeave: EventMemberLeave,
	serf.EventMemberFailed: EventMemberFailed, serf.EventMemberUpdate: EventMemberUpdate,
	serf.EventMemberReap: EventMemberReap,
}

// convertEvent turns a serf event into an Event. Queries are not passed on:
// the pool answers none of its own.
func convertEvent(e serf.Event) (Event, bool) {
	switch e := e.(type) {
	case serf.MemberEvent:
		t, ok := memberEventTypes[e.Type]
		if !ok {
			return Event{}, false
		}
		return Event{Type: t, Members: fromSerfAll(e.Members)}, true
	case serf.UserEvent:
		return Event{Type: EventUser, Name: e.Name, Payload: append([]byte(nil), e.Payload...),
			LTime: uint64(e.LTime), Coalesce: e.Coalesce}, true
	case *serf.Query:
		return Event{}, false
	}
	return Event{}, false
}
