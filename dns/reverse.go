package dns

import (
	"strings"

	"github.com/miekg/dns"
)

// reverse answers a PTR (or ANY) query under in-addr.arpa or ip6.arpa from
// the local datacenter: a node with that address gives
// <node>.node.<dc>.<domain>, else an instance with that service address
// gives <svc>.service.<dc>.<domain>, always under the primary domain. It
// reports false when the catalog has no such address, for the query to go
// to the recursors.
func (s *Server) reverse(r *reply, name string, qtype uint16) bool {
	if qtype != dns.TypePTR && qtype != dns.TypeANY {
		return false
	}
	ip, ok := parseReverse(name)
	if !ok {
		return false
	}
	ip = ip.Unmap()
	if s.tooStale() {
		r.fail(dns.RcodeServerFailure)
		return true
	}
	authz := s.authz()
	dc, domain, qname := s.cfg.Datacenter, s.cfg.Domain, r.msg.Question[0].Name
	if node, ok := s.cat.NodeByAddress(dc, ip); ok && authz.NodeRead(node.Name) && validHost(node.Name) {
		target := nodeFQDN(node.Name, dc, domain)
		r.addAnswer(&dns.PTR{Hdr: header(qname, dns.TypePTR, ttlSeconds(s.cfg.NodeTTL)), Ptr: target})
	} else {
		insts := s.cat.ServicesByAddress(dc, ip)
		for i := range insts {
			inst := &insts[i]
			if !authz.ServiceRead(inst.ServiceName) || !authz.NodeRead(inst.Node.Name) || !validHost(inst.ServiceName) {
				continue
			}
			target := inst.ServiceName + ".service." + dc + "." + domain
			ttl := s.ttl.lookup(strings.ToLower(inst.ServiceName))
			r.addAnswer(&dns.PTR{Hdr: header(qname, dns.TypePTR, ttl), Ptr: target})
			break
		}
	}
	if len(r.answer) == 0 {
		return false
	}
	r.msg.Authoritative = true
	return true
}
