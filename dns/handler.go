package dns

import (
	"net"
	"strings"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
)

// maxDepth bounds how many CNAME hops inside the domain one answer follows.
const maxDepth = 3

// ServeDNS answers one query. It implements miekg's dns.Handler, so tests
// can drive it with a recorder (see package dnstest). It writes exactly one
// response through w.Write, never retaining the bytes, and never panics: a
// bug is logged and answered SERVFAIL.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	r := getReply()
	defer putReply(r)
	defer s.recoverPanic(w, r)
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	r.start(req, tcp, w.RemoteAddr(), s.cfg.UDPAnswerLimit)
	if up := s.answer(r, req); up != nil {
		s.writeForwarded(w, r, up)
		return
	}
	s.write(w, r)
}

// answer fills r for req, or returns the message to send instead when the
// query was forwarded to a recursor.
func (s *Server) answer(r *reply, req *dns.Msg) *dns.Msg {
	r.msg.RecursionAvailable = len(s.recursors) > 0
	switch {
	case r.msg.Rcode == dns.RcodeBadVers:
		return nil
	case len(req.Question) != 1:
		r.fail(dns.RcodeFormatError)
		return nil
	case req.Opcode != dns.OpcodeQuery:
		r.fail(dns.RcodeNotImplemented)
		return nil
	}
	q := req.Question[0]
	switch {
	case q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY:
		r.fail(dns.RcodeRefused)
		return nil
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR:
		r.fail(dns.RcodeNotImplemented)
		return nil
	}
	name := strings.ToLower(q.Name)
	prefix, domain, ok := splitZone(name, s.domains)
	if !ok {
		if s.reverse(r, name, q.Qtype) {
			return nil
		}
		return s.recurse(r, req, strings.HasSuffix(name, ".arpa."))
	}
	r.msg.Authoritative = true
	if s.tooStale() {
		r.fail(dns.RcodeServerFailure)
		return nil
	}
	l := parseLookup(prefix)
	l.domain = domain
	s.resolve(r, &l, q.Name, q.Qtype, 0)
	return nil
}

// resolve answers the parsed name l (asked as qname) into r, with NXDOMAIN
// or NODATA and the SOA when there is nothing to answer.
func (s *Server) resolve(r *reply, l *lookup, qname string, qtype uint16, depth int) {
	if l.dc == "" {
		l.dc = s.cfg.Datacenter
	}
	authz := s.authz()
	var exists bool
	switch l.kind {
	case kindApex:
		exists = s.apex(r, l.domain, qtype, authz)
	case kindService:
		exists = s.serviceLookup(r, l, qname, qtype, s.cat.ServiceInstances(l.dc, l.name), authz, depth)
	case kindConnect:
		exists = s.serviceLookup(r, l, qname, qtype, s.cat.ConnectInstances(l.dc, l.name), authz, depth)
	case kindNode:
		exists = s.nodeLookup(r, l, qname, qtype, authz, depth)
	case kindAddr:
		exists = s.addrLookup(r, l, qname, qtype)
	case kindQuery:
		exists = s.queryLookup(r, l, qname, qtype, authz, depth)
	}
	if depth > 0 || len(r.answer) > 0 {
		return
	}
	if !exists {
		r.msg.Rcode = dns.RcodeNameError
	}
	r.ns = append(r.ns, s.soa(l.domain))
}

// tooStale reports whether the catalog is further behind the servers than
// the staleness knobs allow.
func (s *Server) tooStale() bool {
	if s.lag == nil {
		return false
	}
	lag := s.lag.Lag()
	if !s.cfg.AllowStale {
		return lag > 0
	}
	return lag > s.cfg.MaxStale
}

// apex answers the domain itself: SOA, NS, or NODATA for other types.
func (s *Server) apex(r *reply, domain string, qtype uint16, authz acl.Authorizer) bool {
	switch qtype {
	case dns.TypeSOA, dns.TypeANY:
		r.addAnswer(s.soa(domain))
		s.nameservers(r, domain, authz, false)
	case dns.TypeNS:
		s.nameservers(r, domain, authz, true)
	}
	return true
}

// write trims r to what the client takes, packs it and sends it.
func (s *Server) write(w dns.ResponseWriter, r *reply) {
	trimmed := r.fit(!s.cfg.DisableCompression)
	if trimmed && !r.tcp && s.cfg.EnableTruncate {
		r.msg.Truncated = true
	}
	s.send(w, r, &r.msg)
}

// send packs m with r's buffer and writes it. A message that does not pack
// (a bug) is answered SERVFAIL instead.
func (s *Server) send(w dns.ResponseWriter, r *reply, m *dns.Msg) {
	out, err := r.pack(m)
	if err != nil {
		s.log.Error("pack dns response", "name", questionName(m), "error", err)
		fallback := dns.Msg{MsgHdr: dns.MsgHdr{Id: m.Id, Response: true, Opcode: m.Opcode, Rcode: dns.RcodeServerFailure}}
		if out, err = fallback.Pack(); err != nil {
			return
		}
	}
	if _, err := w.Write(out); err != nil {
		s.log.Debug("write dns response", "error", err)
	}
}

func questionName(m *dns.Msg) string {
	if len(m.Question) == 0 {
		return ""
	}
	return m.Question[0].Name
}

// recoverPanic turns a panic in the query path into a logged SERVFAIL, so
// one bad query cannot take the agent down.
func (s *Server) recoverPanic(w dns.ResponseWriter, r *reply) {
	v := recover()
	if v == nil {
		return
	}
	s.log.Error("panic answering dns query", "name", questionName(&r.msg), "panic", v)
	m := new(dns.Msg)
	m.Id, m.Response, m.Rcode = r.msg.Id, true, dns.RcodeServerFailure
	if out, err := m.Pack(); err == nil {
		w.Write(out)
	}
}
