package kvhistory

import (
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// History is a concurrent record of operations. The zero value is not
// ready: use NewHistory.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; times are recorded relative to now.
func NewHistory() *History { return &History{start: time.Now()} }

// Add records one operation that was called at call and returned at ret.
// A write with an unknown outcome is recorded as returning at the end of
// time.
func (h *History) Add(client int, in Input, out Output, call, ret time.Time) {
	op := porcupine.Operation{
		ClientId: client, Input: in, Output: out,
		Call: call.Sub(h.start).Nanoseconds(), Return: ret.Sub(h.start).Nanoseconds(),
	}
	if out.Unknown {
		op.Return = math.MaxInt64
	}
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

// Len returns the number of recorded operations.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}

// Unknowns returns the number of writes with an unknown outcome: each
// stays open to the end of the history, which is what makes a history
// expensive to check.
func (h *History) Unknowns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, op := range h.ops {
		if op.Output.(Output).Unknown {
			n++
		}
	}
	return n
}

// Check reports whether the history is linearizable: porcupine.Ok,
// porcupine.Illegal, or porcupine.Unknown when the timeout ran out.
func (h *History) Check(timeout time.Duration) porcupine.CheckResult {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	return porcupine.CheckOperationsTimeout(Model, ops, timeout)
}
