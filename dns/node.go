package dns

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
)

// maxNameservers is how many servers an NS answer names.
const maxNameservers = 3

// nodeLookup answers <node>.node: the node's address (a CNAME when it is a
// hostname) and its meta as TXT — in the answer for TXT and ANY, in the
// additional section of address answers with enable_additional_node_meta_txt.
func (s *Server) nodeLookup(r *reply, l *lookup, qname string, qtype uint16, authz acl.Authorizer, depth int) bool {
	node, ok := s.cat.Node(l.dc, l.name)
	if !ok || !authz.NodeRead(node.Name) {
		return false
	}
	ttl := ttlSeconds(s.cfg.NodeTTL)
	addr := node.Address
	if s.cfg.TranslateWANAddrs && l.dc != s.cfg.Datacenter && node.TaggedAddresses["wan"] != "" {
		addr = node.TaggedAddresses["wan"]
	}
	switch qtype {
	case dns.TypeA, dns.TypeAAAA, dns.TypeANY:
		if ip, ok := parseIP(addr); ok {
			if wantsAddr(qtype, ip) {
				r.addAnswer(r.addrRR(qname, ttl, ip))
			}
		} else if validHost(addr) {
			s.addCNAME(r, qname, addr, qtype, ttl, depth)
		}
	}
	switch {
	case len(node.Meta) == 0:
	case qtype == dns.TypeTXT || qtype == dns.TypeANY:
		for _, rr := range metaTXT(qname, ttl, node.Meta) {
			r.addAnswer(rr)
		}
	case s.cfg.EnableAdditionalNodeMetaTXT && len(r.answer) > 0 && depth == 0:
		for _, rr := range metaTXT(qname, ttl, node.Meta) {
			r.addExtra(rr)
		}
	}
	return true
}

// addrLookup answers <hex>.addr with the address the label encodes.
func (s *Server) addrLookup(r *reply, l *lookup, qname string, qtype uint16) bool {
	ip, ok := parseHexAddr(l.name)
	if !ok {
		return false
	}
	if wantsAddr(qtype, ip) {
		r.addAnswer(r.addrRR(qname, ttlSeconds(s.cfg.NodeTTL), ip))
	}
	return true
}

// queryLookup answers <query>.query through the Catalog's prepared queries,
// in the order the query returns, or NXDOMAIN without them.
func (s *Server) queryLookup(r *reply, l *lookup, qname string, qtype uint16, authz acl.Authorizer, depth int) bool {
	if s.queries == nil {
		return false
	}
	req := PreparedQueryRequest{Datacenter: l.dc, Name: l.name, Agent: s.cfg.NodeName, Source: addrOf(r.remote)}
	res, found := s.queries.PreparedQuery(req)
	if !found {
		return false
	}
	order := r.order[:0]
	for i := range res.Instances {
		inst := &res.Instances[i]
		if authz.ServiceRead(inst.ServiceName) && authz.NodeRead(inst.Node.Name) {
			order = append(order, int32(i))
		}
	}
	r.order = order
	if len(order) == 0 {
		return false
	}
	ttl := s.ttl.lookup(strings.ToLower(res.Instances[order[0]].ServiceName))
	if res.HasTTL {
		ttl = ttlSeconds(res.TTL)
	}
	at := *l
	if res.Datacenter != "" {
		at.dc = strings.ToLower(res.Datacenter)
	}
	s.answerInstances(r, &at, qname, qtype, res.Instances, false, ttl, depth)
	return true
}

func addrOf(a net.Addr) netip.Addr {
	var ip net.IP
	switch a := a.(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	}
	addr, _ := netip.AddrFromSlice(ip)
	return addr.Unmap()
}

// nameservers adds NS records for domain naming up to three servers of the
// local datacenter (the answerable instances of the "consul" service) as
// <node>.node.<dc>.<domain>, with their addresses as glue: to the answer
// section when asAnswer, else to the authority section.
func (s *Server) nameservers(r *reply, domain string, authz acl.Authorizer, asAnswer bool) {
	if !authz.ServiceRead("consul") {
		return
	}
	dc := s.cfg.Datacenter
	insts := s.cat.ServiceInstances(dc, "consul")
	ttl := ttlSeconds(s.cfg.NodeTTL)
	added := 0
	for _, i := range rand.Perm(len(insts)) {
		inst := &insts[i]
		ip, ok := parseIP(inst.Node.Address)
		if !ok || !validLabel(inst.Node.Name) || !s.answerable(inst, "", authz) {
			continue
		}
		target := nodeFQDN(inst.Node.Name, dc, domain)
		if r.seen.extra.add(rrKey{target, addrType(ip)}) {
			continue
		}
		ns := &dns.NS{Hdr: header(domain, dns.TypeNS, ttl), Ns: target}
		if asAnswer {
			r.addAnswer(ns)
		} else {
			r.ns = append(r.ns, ns)
		}
		r.addExtra(r.addrRR(target, ttl, ip))
		if added++; added == maxNameservers {
			return
		}
	}
}

// addCNAME answers qname as an alias of host and follows it: inside the
// domain up to maxDepth hops, outside through the recursors.
func (s *Server) addCNAME(r *reply, qname, host string, qtype uint16, ttl uint32, depth int) {
	target := dns.Fqdn(host)
	r.addAnswer(&dns.CNAME{Hdr: header(qname, dns.TypeCNAME, ttl), Target: target})
	if depth >= maxDepth-1 || qtype == dns.TypeANY {
		return
	}
	lower := strings.ToLower(target)
	if prefix, domain, ok := splitZone(lower, s.domains); ok {
		l := parseLookup(prefix)
		l.domain = domain
		s.resolve(r, &l, target, qtype, depth+1)
		return
	}
	for _, rr := range s.lookupExternal(target, qtype) {
		r.addAnswer(rr)
	}
}
