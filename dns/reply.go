package dns

import (
	"net"
	"sync"

	"github.com/miekg/dns"
)

// Wire limits.
const (
	minUDPSize  = dns.MinMsgSize // 512, also the floor for an EDNS size
	maxEDNSSize = 65467          // the largest EDNS size honoured
	maxTCPSize  = dns.MaxMsgSize // 65535
	minRRSize   = 16             // smallest compressed answer (an A record)
	slabSize    = 16             // records of each type kept in a pooled reply
	maxKeptBuf  = 1 << 17        // larger pack buffers are not pooled
)

// reply is the scratch state of one response: the message being built, its
// records grouped for trimming, and slabs the records are cut from. Replies
// are pooled; nothing in one may be referenced after the response is
// written.
type reply struct {
	msg    dns.Msg
	tcp    bool
	remote net.Addr
	size   int  // the most bytes the client takes
	limit  int  // the most answers the client takes (UDP without EDNS)
	edns   bool // the client sent an OPT record; one is echoed
	opt    dns.OPT
	ecs    dns.EDNS0_SUBNET

	answer []dns.RR
	extra  []dns.RR
	ends   []int // ends[i]: len(extra) once answer i's extras were added
	ns     []dns.RR
	out    []dns.RR // the Extra section as sent

	seen  seen    // what the response holds, to drop duplicates
	order []int32 // instance order for one lookup
	a     []aRecord
	aaaa  []aaaaRecord
	srv   []dns.SRV
	buf   []byte
}

type aRecord struct {
	rr dns.A
	ip [4]byte
}

type aaaaRecord struct {
	rr dns.AAAA
	ip [16]byte
}

var replies = sync.Pool{New: func() any {
	return &reply{
		a:    make([]aRecord, 0, slabSize),
		aaaa: make([]aaaaRecord, 0, slabSize),
		srv:  make([]dns.SRV, 0, slabSize),
		buf:  make([]byte, 1024),
	}
}}

func getReply() *reply { return replies.Get().(*reply) }

func putReply(r *reply) {
	clear(r.answer)
	clear(r.extra)
	clear(r.ns)
	clear(r.out)
	r.msg = dns.Msg{}
	r.remote = nil
	r.opt.Option = r.opt.Option[:0]
	r.answer, r.extra, r.ends, r.ns, r.out = r.answer[:0], r.extra[:0], r.ends[:0], r.ns[:0], r.out[:0]
	r.seen.reset()
	r.order = r.order[:0]
	r.a, r.aaaa, r.srv = r.a[:0], r.aaaa[:0], r.srv[:0]
	if cap(r.buf) > maxKeptBuf {
		r.buf = make([]byte, 1024)
	}
	replies.Put(r)
}

// start readies r to answer req, received over tcp or udp from remote.
// A UDP client without EDNS takes at most udpAnswerLimit answers.
func (r *reply) start(req *dns.Msg, tcp bool, remote net.Addr, udpAnswerLimit int) {
	r.tcp, r.remote = tcp, remote
	m := &r.msg
	m.Id = req.Id
	m.Response = true
	m.Opcode = req.Opcode
	m.RecursionDesired = req.RecursionDesired
	m.CheckingDisabled = req.CheckingDisabled
	if len(req.Question) > 0 {
		m.Question = req.Question[:1]
	}
	r.size, r.limit, r.edns = minUDPSize, 0, false
	if opt := req.IsEdns0(); opt != nil {
		r.startEDNS(opt)
	}
	switch {
	case tcp:
		r.size = maxTCPSize
	case !r.edns:
		r.limit = min(udpAnswerLimit, maxUDPAnswers)
	}
}

// startEDNS prepares the OPT record echoed to an EDNS client: the client's
// size and its client-subnet option with scope 0 (the answer is global).
func (r *reply) startEDNS(opt *dns.OPT) {
	r.edns = true
	r.size = min(max(int(opt.UDPSize()), minUDPSize), maxEDNSSize)
	r.opt.Hdr = dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}
	r.opt.SetUDPSize(uint16(r.size))
	for _, o := range opt.Option {
		if e, ok := o.(*dns.EDNS0_SUBNET); ok {
			r.ecs = *e
			r.ecs.SourceScope = 0
			r.opt.Option = append(r.opt.Option, &r.ecs)
			break
		}
	}
	if opt.Version() != 0 {
		r.msg.Rcode = dns.RcodeBadVers
	}
}

// room is how many more answers are worth building. It is one past what
// the client takes, so that fit can tell an answer was left out; cap (the
// a_record_limit, 0 for none) is a deliberate cap and is exact.
func (r *reply) room(cap int) int {
	n := r.size/minRRSize + 1
	if r.limit > 0 {
		n = min(n, r.limit+1)
	}
	if cap > 0 {
		n = min(n, cap)
	}
	return n - len(r.answer)
}

// addAnswer adds rr to the answer section; addExtra calls that follow attach
// records to it, and they are trimmed together.
func (r *reply) addAnswer(rr dns.RR) {
	r.answer = append(r.answer, rr)
	r.ends = append(r.ends, len(r.extra))
}

// addExtra adds rr to the additional section with the latest answer.
func (r *reply) addExtra(rr dns.RR) {
	r.extra = append(r.extra, rr)
	if n := len(r.ends); n > 0 {
		r.ends[n-1] = len(r.extra)
	}
}

// fail turns r into an empty answer with rcode.
func (r *reply) fail(rcode int) {
	r.msg.Rcode = rcode
	r.answer, r.extra, r.ends, r.ns = r.answer[:0], r.extra[:0], r.ends[:0], r.ns[:0]
}

// layout lays the first n answers and the first extras additional records
// into the message.
func (r *reply) layout(n, extras int) {
	r.msg.Answer = r.answer[:n]
	r.msg.Ns = r.ns
	r.out = append(r.out[:0], r.extra[:extras]...)
	if r.edns {
		r.out = append(r.out, &r.opt)
	}
	r.msg.Extra = r.out
}

// extrasOf is how many additional records go with the first n answers.
func (r *reply) extrasOf(n int) int {
	if n == 0 {
		return 0
	}
	return r.ends[n-1]
}

// fit lays out the message so that it packs into the client's size,
// dropping trailing answers (and their extras) that do not fit. It leaves
// compression off when the message fits without it. It reports whether
// answers were dropped.
func (r *reply) fit(compress bool) (trimmed bool) {
	n := len(r.answer)
	if r.limit > 0 && n > r.limit {
		n, trimmed = r.limit, true
	}
	if r.fits(n, r.extrasOf(n), compress) {
		return trimmed
	}
	lo, hi := 0, n-1 // the largest count that fits is in [lo, hi]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if r.fits(mid, r.extrasOf(mid), compress) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 && n > 0 {
		r.fitOne(compress)
		return true
	}
	r.fits(lo, r.extrasOf(lo), compress)
	return true
}

// fitOne is the last resort when not even one answer fits with all its
// extras: the first answer with as many of them as fit, so that an answer is
// never trimmed to nothing. When the answer alone does not fit either, the
// message goes out empty with TC set, for the client to retry over TCP.
func (r *reply) fitOne(compress bool) {
	for e := r.ends[0]; e >= 0; e-- {
		if r.fits(1, e, compress) {
			return
		}
	}
	r.fits(0, 0, compress)
	r.msg.Truncated = true
}

// fits lays out n answers with extras additional records and reports
// whether they pack into r.size.
func (r *reply) fits(n, extras int, compress bool) bool {
	r.layout(n, extras)
	r.msg.Compress = false
	if r.msg.Len() <= r.size {
		return true
	}
	if !compress {
		return false
	}
	r.msg.Compress = true
	return r.msg.Len() <= r.size
}

// pack packs the message into r's buffer.
func (r *reply) pack(m *dns.Msg) ([]byte, error) {
	out, err := m.PackBuffer(r.buf)
	if err != nil {
		return nil, err
	}
	if cap(out) > cap(r.buf) {
		r.buf = out[:cap(out)]
	}
	return out, nil
}
