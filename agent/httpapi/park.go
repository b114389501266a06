package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// Parking blocking queries. A blocking query that has to wait costs a
// goroutine per connection in net/http, with its stack, a read and a
// write buffer and a background reader: about 22 KB. Thousands of
// watchers of one key (consul-template, Vault, node-consul) made Consul
// stop answering. So a query that must wait is parked instead: its
// connection is taken over from net/http (hijacked), the goroutine
// returns, and what remains is the connection, the request and a timer,
// about 2 KB. Waiters that watch the same channels share one goroutine;
// when a channel fires, each waiter runs its request again (a fresh read:
// a spurious wake parks it again) and writes the answer on the
// connection, which it then closes. Clients reconnect for their next
// query, as they would after any closed connection.

// errParked tells the endpoint wrapper that the request's connection was
// handed to the parker: nothing more may be written through net/http.
var errParked = errors.New("blocking query parked")

// parker holds the parked queries.
type parker struct {
	mu     sync.Mutex
	groups map[string]*parkGroup // by the identity of their watch channels
	closed bool
}

// parkGroup is the waiters of one set of watch channels and the goroutine
// that waits on the set for them.
type parkGroup struct {
	key     string
	waiters map[*parked]struct{}
	cancel  context.CancelFunc
}

// parked is one parked query.
type parked struct {
	s        *Server
	rt       route
	req      *http.Request // context-free copy, run again on wake
	conn     net.Conn
	deadline time.Time
	timer    *time.Timer
	group    *parkGroup // nil once woken
	// same names what the answer depends on besides the data: the
	// request URI and the token headers. Waiters of one group with the
	// same value get one answer, computed once.
	same string
}

// parkState rides on a resumed request's context: the connection it
// answers on and the deadline of its wait.
type parkState struct {
	p *parked
}

type parkKey struct{}

func parkStateOf(r *http.Request) *parkState {
	ps, _ := r.Context().Value(parkKey{}).(*parkState)
	return ps
}

// tryPark parks the call's query on ws until deadline. It returns
// errParked when the query is parked (the caller must return it), or nil
// when the request cannot be parked and the caller must wait itself.
func (s *Server) tryPark(c *call, ws memdb.WatchSet, deadline time.Time) error {
	p := s.parkable(c, deadline)
	if p == nil {
		return nil
	}
	if !s.parker.add(p, ws) {
		_ = p.conn.Close() // shutting down
	}
	return errParked
}

// parkable takes the call's connection over, or returns nil when it may
// not: a resumed call already owns its connection; otherwise only an
// HTTP/1 GET whose connection can be hijacked.
func (s *Server) parkable(c *call, deadline time.Time) *parked {
	if ps := parkStateOf(c.r); ps != nil {
		ps.p.deadline = deadline
		return ps.p
	}
	if c.route == nil || c.r.ProtoMajor != 1 || c.r.Method != http.MethodGet || !s.cfg.ParkBlockingQueries {
		return nil
	}
	hj, ok := c.w.(http.Hijacker)
	if !ok {
		return nil
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil
	}
	if brw.Reader.Buffered() > 0 {
		// A pipelined request follows; it is lost when the connection
		// closes after the answer, as clients expect of a closed
		// connection. Pipelining clients are rare.
		s.logger.Debug("parked a connection with a pipelined request", "path", c.r.URL.Path)
	}
	req := c.r.Clone(context.Background())
	req.Body = http.NoBody
	same := req.URL.RequestURI() + "\x00" + req.Header.Get("X-Consul-Token") + "\x00" + req.Header.Get("Authorization")
	return &parked{s: s, rt: *c.route, req: req, conn: conn, deadline: deadline, same: same}
}

// add registers p with the group of ws's channels, starting the group's
// goroutine when p is the first, and arms p's timeout. It reports false
// when the parker is closed.
func (pk *parker) add(p *parked, ws memdb.WatchSet) bool {
	key := watchKey(ws)
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if pk.closed {
		return false
	}
	if pk.groups == nil {
		pk.groups = map[string]*parkGroup{}
	}
	g := pk.groups[key]
	if g == nil {
		ctx, cancel := context.WithCancel(context.Background())
		g = &parkGroup{key: key, waiters: map[*parked]struct{}{}, cancel: cancel}
		pk.groups[key] = g
		go pk.watch(ctx, g, ws)
	}
	g.waiters[p] = struct{}{}
	p.group = g
	p.timer = time.AfterFunc(time.Until(p.deadline), func() { pk.timeout(p) })
	return true
}

// watch waits for one of the group's channels and wakes every waiter.
func (pk *parker) watch(ctx context.Context, g *parkGroup, ws memdb.WatchSet) {
	if err := ws.WatchCtx(ctx); err != nil {
		return // the group emptied or the parker closed
	}
	pk.mu.Lock()
	if pk.groups[g.key] == g {
		delete(pk.groups, g.key)
	}
	waiters := g.waiters
	g.waiters = nil
	for p := range waiters {
		p.group = nil
		p.timer.Stop()
	}
	pk.mu.Unlock()
	g.cancel()
	alike := map[string][]*parked{}
	for p := range waiters {
		alike[p.same] = append(alike[p.same], p)
	}
	for _, ps := range alike {
		go ps[0].resumeFor(ps[1:])
	}
}

// timeout ends one waiter's wait: it leaves its group (which stops when
// it empties) and answers with what it has.
func (pk *parker) timeout(p *parked) {
	pk.mu.Lock()
	g := p.group
	if g == nil {
		pk.mu.Unlock()
		return // woken already
	}
	p.group = nil
	delete(g.waiters, p)
	if len(g.waiters) == 0 {
		delete(pk.groups, g.key)
		g.cancel()
	}
	pk.mu.Unlock()
	p.resume()
}

// close ends every wait and closes the parked connections; later parks
// are refused.
func (pk *parker) close() {
	pk.mu.Lock()
	defer pk.mu.Unlock()
	pk.closed = true
	for _, g := range pk.groups {
		g.cancel()
		for p := range g.waiters {
			p.timer.Stop()
			p.group = nil
			_ = p.conn.Close()
		}
	}
	pk.groups = nil
}

// watchKey names a watch set by its channels, so queries watching the same
// data share a group.
func watchKey(ws memdb.WatchSet) string {
	ptrs := make([]uintptr, 0, len(ws))
	for ch := range ws {
		ptrs = append(ptrs, reflect.ValueOf(ch).Pointer())
	}
	slices.Sort(ptrs)
	var b strings.Builder
	for _, p := range ptrs {
		b.WriteString(strconv.FormatUint(uint64(p), 36))
		b.WriteByte(',')
	}
	return b.String()
}

// resume runs the parked request again on its connection. It either
// answers (and closes the connection) or parks again.
func (p *parked) resume() { p.resumeFor(nil) }

// resumeFor resumes p and gives its answer to the others too: they were
// woken by the same change and asked the same question. If p parks
// again, the others are resumed on their own.
func (p *parked) resumeFor(others []*parked) {
	w := newConnWriter(p.conn)
	for k, v := range p.s.cfg.ResponseHeaders {
		w.header.Set(k, v)
	}
	ctx := context.WithValue(context.Background(), parkKey{}, &parkState{p: p})
	r := p.req.WithContext(ctx)
	if p.s.serveRoute(w, r, p.rt) {
		for _, o := range others {
			go o.resume()
		}
		return // parked again
	}
	resp := w.response()
	p.s.answerAll(append(others, p), resp)
}

// answerWorkers bounds the goroutines writing one shared answer.
const answerWorkers = 4

// answerAll writes one rendered answer on many parked connections.
func (s *Server) answerAll(ps []*parked, resp []byte) {
	if len(ps) == 1 {
		s.answer(ps[0], resp)
		return
	}
	var wg sync.WaitGroup
	per := (len(ps) + answerWorkers - 1) / answerWorkers
	for start := 0; start < len(ps); start += per {
		part := ps[start:min(start+per, len(ps))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range part {
				s.answer(p, resp)
			}
		}()
	}
	wg.Wait()
}

func (s *Server) answer(p *parked, resp []byte) {
	if err := answer(p.conn, resp); err != nil {
		s.logger.Debug("answer to a parked query failed", "path", p.req.URL.Path, "error", err)
	}
}
