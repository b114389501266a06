package gossip

import (
	"fmt"
	"strings"
	"testing"
)

func TestUserEventReachesEveryMemberOnce(t *testing.T) {
	pools := newCluster(t, 4, nil)
	isDeploy := func(e Event) bool {
		return e.Type == EventUser && e.Name == "deploy" && string(e.Payload) == "v2" && !e.Coalesce
	}
	if err := pools[1].UserEvent("deploy", []byte("v2"), false); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		waitFor(t, func() bool { return p.events.count(isDeploy) >= 1 }, "%s receives the event", p.LocalMember().Name)
	}
	// A second, different event orders after the first everywhere; by then
	// any duplicate of the first would have been delivered too.
	if err := pools[2].UserEvent("marker", nil, false); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		waitFor(t, func() bool {
			return p.events.count(func(e Event) bool { return e.Type == EventUser && e.Name == "marker" }) == 1
		}, "%s receives the marker", p.LocalMember().Name)
		if n := p.events.count(isDeploy); n != 1 {
			t.Errorf("%s received the event %d times", p.LocalMember().Name, n)
		}
	}
}

func TestCoalescedUserEventsKeepTheNewest(t *testing.T) {
	pools := newCluster(t, 2, nil)
	for i := range 5 {
		if err := pools[0].UserEvent("config", []byte(fmt.Sprint(i)), true); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pools {
		waitFor(t, func() bool {
			return p.events.count(func(e Event) bool { return e.Type == EventUser && e.Name == "config" && string(e.Payload) == "4" }) == 1
		}, "%s receives the newest event", p.LocalMember().Name)
		if n := p.events.count(func(e Event) bool { return e.Type == EventUser && e.Name == "config" }); n >= 5 {
			t.Errorf("%s received %d events, want them coalesced", p.LocalMember().Name, n)
		}
	}
}

func TestUserEventTooLarge(t *testing.T) {
	p := newPool(t, "solo", nil)
	err := p.UserEvent("big", []byte(strings.Repeat("x", UserEventSizeLimit+1)), false)
	if err == nil {
		t.Fatal("oversized event accepted")
	}
}

func TestEventTypeString(t *testing.T) {
	for typ, want := range map[EventType]string{
		EventMemberJoin: "member-join", EventMemberLeave: "member-leave", EventMemberFailed: "member-failed",
		EventMemberUpdate: "member-update", EventMemberReap: "member-reap", EventUser: "user", 0: "event(0)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(typ), got, want)
		}
	}
}
