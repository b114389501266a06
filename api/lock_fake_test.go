package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKV serves just enough of /v1/kv and /v1/session for one Lock, with
// blocking reads, and can fail a number of reads with 500 on demand: the
// server-side faults a real agent cannot be made to show.
type fakeKV struct {
	srv *httptest.Server

	mu      sync.Mutex
	index   uint64
	pair    *KVPair       // the one key, nil when absent
	changed chan struct{} // closed and replaced on every write
	fail    int           // reads still to fail with 500
	served  chan struct{} // receives after each good read that follows failures
	failed  bool          // a read failed since the last good one
	refuse  bool          // refuse acquisitions of the free key (a lock delay runs)
}

func newFakeKV(t *testing.T) *fakeKV {
	t.Helper()
	f := &fakeKV{index: 1, changed: make(chan struct{}), served: make(chan struct{}, 16)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKV) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Consul-KnownLeader", "true")
	w.Header().Set("X-Consul-LastContact", "0")
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/session/create"):
		_, _ = io.WriteString(w, `{"ID":"sess-1"}`)
	case strings.HasPrefix(r.URL.Path, "/v1/session/"):
		_, _ = io.WriteString(w, `[{"ID":"sess-1","TTL":"15s"}]`)
	case r.Method == http.MethodGet:
		f.read(w, r)
	case r.Method == http.MethodPut:
		f.write(w, r)
	default:
		http.Error(w, "unsupported", http.StatusMethodNotAllowed)
	}
}

func (f *fakeKV) read(w http.ResponseWriter, r *http.Request) {
	wait, _ := strconv.ParseUint(r.URL.Query().Get("index"), 10, 64)
	f.mu.Lock()
	if f.fail > 0 {
		f.fail--
		f.failed = true
		f.mu.Unlock()
		http.Error(w, "rpc error: leader lost", http.StatusInternalServerError)
		return
	}
	for wait != 0 && f.index <= wait {
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		}
		f.mu.Lock()
	}
	idx, pair, after := f.index, f.pair, f.failed
	f.failed = false
	f.mu.Unlock()
	w.Header().Set("X-Consul-Index", strconv.FormatUint(idx, 10))
	if pair == nil {
		w.WriteHeader(http.StatusNotFound)
	} else {
		_ = json.NewEncoder(w).Encode([]*KVPair{pair})
	}
	if after {
		f.served <- struct{}{}
	}
}

func (f *fakeKV) write(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body, _ := io.ReadAll(r.Body)
	flags, _ := strconv.ParseUint(q.Get("flags"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := true
	switch {
	case q.Has("acquire"):
		if f.refuse || f.pair != nil && f.pair.Session != "" && f.pair.Session != q.Get("acquire") {
			ok = false
			break
		}
		f.pair = &KVPair{Key: strings.TrimPrefix(r.URL.Path, "/v1/kv/"), Value: body, Flags: flags, Session: q.Get("acquire"), LockIndex: 1}
	case q.Has("release"):
		if f.pair == nil || f.pair.Session != q.Get("release") {
			ok = false
			break
		}
		f.pair.Session, f.pair.Value = "", body
	default:
		http.Error(w, "unsupported write", http.StatusBadRequest)
		return
	}
	if ok {
		f.index++
		f.pair.ModifyIndex = f.index
		close(f.changed)
		f.changed = make(chan struct{})
	}
	_ = json.NewEncoder(w).Encode(ok)
}

// failReads makes the next n reads answer 500.
func (f *fakeKV) failReads(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = n
	f.index++ // wake the parked watch so that it reads again at once
	close(f.changed)
	f.changed = make(chan struct{})
}

func TestLockMonitorRetries(t *testing.T) {
	tests := []struct {
		name     string
		retries  int
		failures int
		lost     bool
	}{
		{"no retries: first failure loses the lock", 0, 1, true},
		{"rides out as many failures as retries", 3, 3, false},
		{"one failure too many", 2, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKV(t)
			c := newTestClient(t, &Config{Address: f.srv.URL})
			l, err := c.LockOpts(&LockOptions{Key: "k", MonitorRetries: tt.retries, MonitorRetryTime: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			lost, err := l.Lock(nil)
			if err != nil {
				t.Fatal(err)
			}
			f.failReads(tt.failures)
			if tt.lost {
				select {
				case <-lost:
				case <-time.After(30 * time.Second):
					t.Fatal("lock not reported lost")
				}
			} else {
				select {
				case <-f.served: // the watch read successfully after the failures
				case <-lost:
					t.Fatal("lock reported lost within the retries")
				case <-time.After(30 * time.Second):
					t.Fatal("the watch never read again")
				}
				select {
				case <-lost:
					t.Fatal("lock reported lost within the retries")
				default:
				}
			}
			if err := l.Unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLockTryOnceGivesUpDuringLockDelay: the key is free but the server
// refuses it (its lock delay runs); a try-once lock gives up at its
// deadline instead of retrying forever.
func TestLockTryOnceGivesUpDuringLockDelay(t *testing.T) {
	f := newFakeKV(t)
	f.refuse = true
	c := newTestClient(t, &Config{Address: f.srv.URL})
	l, err := c.LockOpts(&LockOptions{Key: "k", LockTryOnce: true, LockWaitTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if lost, err := l.Lock(nil); lost != nil || err != nil {
		t.Fatalf("Lock = %v, %v; want nil, nil", lost, err)
	}
}
