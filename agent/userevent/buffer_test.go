package userevent

import (
	"fmt"
	"testing"
)

func TestBufferKeepsTheLastCapacityEventsInOrder(t *testing.T) {
	b := NewBuffer()
	if got, _ := b.List(); len(got) != 0 {
		t.Fatalf("new buffer lists %d events", len(got))
	}
	total := Capacity + 10
	for i := range total {
		b.Add(&Event{ID: fmt.Sprint(i), LTime: uint64(i + 1)})
	}
	got, _ := b.List()
	if len(got) != Capacity {
		t.Fatalf("List has %d events, want %d", len(got), Capacity)
	}
	for i, e := range got {
		if want := fmt.Sprint(total - Capacity + i); e.ID != want {
			t.Fatalf("event %d is %s, want %s", i, e.ID, want)
		}
	}
	if lt := b.NextLTime(); lt != uint64(total+1) {
		t.Errorf("NextLTime = %d, want %d", lt, total+1)
	}
}

func TestBufferWakesWaitersOnAdd(t *testing.T) {
	b := NewBuffer()
	_, ch := b.List()
	select {
	case <-ch:
		t.Fatal("channel closed before any event")
	default:
	}
	b.Add(&Event{ID: "1"})
	select {
	case <-ch:
	default:
		t.Fatal("Add did not close the waiters' channel")
	}
	if _, next := b.List(); next == ch {
		t.Fatal("List returned the closed channel again")
	}
}
