package agent

import (
	"bytes"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
)

func TestUserEventsFireListAndBlock(t *testing.T) {
	_, cl := testAgent(t)
	ev := cl.Event()
	if err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{Name: "web", Tags: []string{"v1"}}); err != nil {
		t.Fatal(err)
	}

	id, _, err := ev.Fire(&consulapi.UserEvent{Name: "deploy", Payload: []byte("v2")}, nil)
	if err != nil {
		t.Fatalf("fire: %v", err)
	}
	// Filters that do not match this agent: the event is not kept here.
	if _, _, err := ev.Fire(&consulapi.UserEvent{Name: "deploy", ServiceFilter: "^db$"}, nil); err != nil {
		t.Fatalf("fire filtered: %v", err)
	}
	if _, _, err := ev.Fire(&consulapi.UserEvent{Name: "other", ServiceFilter: "web", TagFilter: "v1"}, nil); err != nil {
		t.Fatalf("fire other: %v", err)
	}
	list, meta, err := ev.List("deploy", nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list) != 1 || list[0].ID != id || !bytes.Equal(list[0].Payload, []byte("v2")) || list[0].Version != 1 || list[0].LTime == 0 {
		t.Fatalf("list deploy = %+v, want the one event fired for this agent", list)
	}
	all, meta, err := ev.List("", nil)
	if err != nil || len(all) != 2 || meta.LastIndex != ev.IDToIndex(all[1].ID) {
		t.Fatalf("list = %d events, index %d, %v; want 2 with the newest ID folded as index", len(all), meta.LastIndex, err)
	}

	// A blocking list wakes when an event arrives.
	done := make(chan []*consulapi.UserEvent, 1)
	go func() {
		l, _, err := ev.List("", &consulapi.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 10 * time.Second})
		if err != nil {
			t.Errorf("blocking list: %v", err)
		}
		done <- l
	}()
	time.Sleep(100 * time.Millisecond)
	if _, _, err := ev.Fire(&consulapi.UserEvent{Name: "late"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-done:
		if len(l) != 3 || l[2].Name != "late" {
			t.Fatalf("blocking list woke with %d events, want 3 ending with late", len(l))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocking list did not wake on a new event")
	}
}

func TestUserEventBadInput(t *testing.T) {
	_, cl := testAgent(t)
	cases := []*consulapi.UserEvent{
		{Name: "big", Payload: make([]byte, 600)},
		{Name: "tag", TagFilter: "x"},
		{Name: "re", NodeFilter: "("},
	}
	for _, e := range cases {
		if _, _, err := cl.Event().Fire(e, nil); err == nil {
			t.Errorf("fire %+v succeeded, want a 400", e.Name)
		}
	}
}
