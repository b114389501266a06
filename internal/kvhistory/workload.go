package kvhistory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Store is the KV store under test. Index is the store's ModifyIndex of
// the value read (0 when absent); CAS writes only if the key's
// ModifyIndex is still index (0: only if absent).
type Store interface {
	Get(ctx context.Context, key string) (value string, index uint64, err error)
	Put(ctx context.Context, key, value string) error
	CAS(ctx context.Context, key, value string, index uint64) (bool, error)
	Delete(ctx context.Context, key string) error
}

// ErrNotApplied marks a write's error that the store knows had no effect
// (the request never reached a server). The history leaves such a write
// out, as it leaves out a failed read, rather than keep it open to the end
// as one of unknown outcome: hundreds of those from a killed server made
// a history too costly to check within its time.
var ErrNotApplied = errors.New("kvhistory: write not applied")

// Workload is a random mix of operations by concurrent clients.
type Workload struct {
	Clients  int
	Keys     []string
	Duration time.Duration
	Seed     uint64
}

// Run drives the store until the duration is over or ctx ends, and
// returns the history.
func (w Workload) Run(ctx context.Context, s Store) *History {
	h := NewHistory()
	ctx, cancel := context.WithTimeout(ctx, w.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for c := range w.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &client{id: c, s: s, h: h, rng: rand.New(rand.NewPCG(w.Seed, uint64(c))),
				seen: map[string]seen{}}
			for ctx.Err() == nil {
				cl.step(ctx, w.Keys[cl.rng.IntN(len(w.Keys))])
			}
		}()
	}
	wg.Wait()
	return h
}

// seen is the value and index a client last read for a key.
type seen struct {
	value string
	index uint64
}

type client struct {
	id   int
	s    Store
	h    *History
	rng  *rand.Rand
	seq  int
	seen map[string]seen
}

// opTimeout bounds one operation so a stalled store shows as unknown
// outcomes rather than a hung test.
const opTimeout = 5 * time.Second

func (c *client) step(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	c.seq++
	value := fmt.Sprintf("c%d-%d", c.id, c.seq)
	call := time.Now()
	switch n := c.rng.IntN(10); {
	case n < 4:
		v, idx, err := c.s.Get(ctx, key)
		if err != nil {
			return // a failed read has no effect to account for
		}
		c.seen[key] = seen{v, idx}
		c.h.Add(c.id, Input{Kind: Get, Key: key}, Output{Value: v}, call, time.Now())
	case n < 6:
		err := c.s.Put(ctx, key, value)
		c.addWrite(Input{Kind: Put, Key: key, Value: value}, Output{Unknown: err != nil}, err, call)
	case n < 9:
		last := c.seen[key]
		ok, err := c.s.CAS(ctx, key, value, last.index)
		c.addWrite(Input{Kind: CAS, Key: key, Value: value, Expect: last.value}, Output{OK: ok, Unknown: err != nil}, err, call)
	default:
		err := c.s.Delete(ctx, key)
		c.addWrite(Input{Kind: Delete, Key: key}, Output{Unknown: err != nil}, err, call)
	}
}

// addWrite records a write called at call, unless its error says it had
// no effect (ErrNotApplied).
func (c *client) addWrite(in Input, out Output, err error, call time.Time) {
	if errors.Is(err, ErrNotApplied) {
		return
	}
	c.h.Add(c.id, in, out, call, time.Now())
}
