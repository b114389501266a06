package state

import (
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

func TestAutopilotConfigSetCASAndSnapshot(t *testing.T) {
	s := newStore(t)
	if idx, c, err := s.AutopilotConfig(nil); err != nil || c != nil || idx != 0 {
		t.Fatalf("empty store = %d, %+v, %v; want nothing", idx, c, err)
	}
	cfg := AutopilotConfig{CleanupDeadServers: true, LastContactThreshold: 200 * time.Millisecond,
		MaxTrailingLogs: 250, ServerStabilizationTime: 10 * time.Second}
	steps := []struct {
		name   string
		idx    uint64
		cas    bool
		modify uint64
		wantOK bool
		want   uint64 // ModifyIndex afterwards
	}{
		{"cas create with nonzero index fails", 5, true, 3, false, 0},
		{"cas create with 0 succeeds", 6, true, 0, true, 6},
		{"cas with a stale index fails", 7, true, 2, false, 6},
		{"cas with the current index succeeds", 8, true, 6, true, 8},
		{"plain set always applies", 9, false, 1, true, 9},
	}
	for _, st := range steps {
		c := cfg
		c.ModifyIndex = st.modify
		ok, err := s.AutopilotSetConfig(st.idx, &AutopilotRequest{Config: c, CAS: st.cas})
		if err != nil || ok != st.wantOK {
			t.Fatalf("%s: = %v, %v; want %v", st.name, ok, err, st.wantOK)
		}
		_, got, _ := s.AutopilotConfig(nil)
		var mod uint64
		if got != nil {
			mod = got.ModifyIndex
		}
		if mod != st.want {
			t.Fatalf("%s: ModifyIndex = %d, want %d", st.name, mod, st.want)
		}
	}
	_, got, _ := s.AutopilotConfig(nil)
	if got.CreateIndex != 6 || got.MaxTrailingLogs != 250 {
		t.Fatalf("config = %+v", got)
	}

	// A watch fires on change.
	ws := memdb.NewWatchSet()
	s.AutopilotConfig(ws)
	s.AutopilotSetConfig(10, &AutopilotRequest{Config: cfg})
	if ws.Watch(time.After(5 * time.Second)) {
		t.Fatal("watch did not fire")
	}

	idx, restored, err := restoredCopy(t, s).AutopilotConfig(nil)
	if err != nil || restored == nil || *restored != (AutopilotConfig{CleanupDeadServers: true,
		LastContactThreshold: 200 * time.Millisecond, MaxTrailingLogs: 250,
		ServerStabilizationTime: 10 * time.Second, CreateIndex: 6, ModifyIndex: 10}) || idx != 10 {
		t.Fatalf("restored = %d, %+v, %v", idx, restored, err)
	}
}
