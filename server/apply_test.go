package server

import (
	"reflect"
	"testing"
	"time"
)

// TestBindShutdown: the futures of this Raft version take the channel, so
// a write Raft never answers ends when the server stops instead of
// hanging. A Raft upgrade that renames the field fails here.
func TestBindShutdown(t *testing.T) {
	s := startServer(t, testConfig(t))
	f := s.raft.Apply([]byte{0xff}, time.Second) // the FSM refuses the type; the future is what counts
	stopped := make(chan struct{})
	bindShutdown(f, stopped)
	got := reflect.ValueOf(f).Elem().FieldByName("ShutdownCh")
	if !got.IsValid() || got.Interface().(chan struct{}) != stopped {
		t.Fatalf("future %T did not take the shutdown channel", f)
	}
	close(stopped)
	_ = f.Error() // returns, answered or cut short by the closed channel
}
