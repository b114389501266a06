package dns

import (
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
)

// serviceLookup answers a .service or .connect name from insts. The name
// exists when some instance may be answered.
func (s *Server) serviceLookup(r *reply, l *lookup, qname string, qtype uint16, insts []Instance, authz acl.Authorizer, depth int) bool {
	if !authz.ServiceRead(l.name) {
		return false
	}
	order := r.order[:0]
	for i := range insts {
		if s.answerable(&insts[i], l.tag, authz) {
			order = append(order, int32(i))
		}
	}
	r.order = order
	if len(order) == 0 {
		return false
	}
	s.answerInstances(r, l, qname, qtype, insts, true, s.ttl.lookup(l.name), depth)
	return true
}

// answerable reports whether inst may be in an answer: passing (or warning,
// unless only_passing), carrying tag when one is asked, on a node the token
// may read. An empty status is an instance without checks: passing.
func (s *Server) answerable(inst *Instance, tag string, authz acl.Authorizer) bool {
	switch inst.Status {
	case StatusPassing, "":
	case StatusWarning:
		if s.cfg.OnlyPassing {
			return false
		}
	default:
		return false
	}
	if tag != "" && !hasTag(inst.Tags, tag) {
		return false
	}
	return authz.NodeRead(inst.Node.Name)
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// answerInstances adds the records of the instances insts[r.order[...]] for
// qtype, in random order when shuffle is set, until the client could take
// no more.
func (s *Server) answerInstances(r *reply, l *lookup, qname string, qtype uint16, insts []Instance, shuffle bool, ttl uint32, depth int) {
	order := r.order
	next := func(k int) *Instance {
		if shuffle {
			j := k + rand.IntN(len(order)-k)
			order[k], order[j] = order[j], order[k]
		}
		return &insts[order[k]]
	}
	switch qtype {
	case dns.TypeSRV:
		for k, room := 0, r.room(0); k < len(order) && room > 0; k++ {
			if s.addSRV(r, l, qname, ttl, next(k)) {
				room--
			}
		}
	case dns.TypeA, dns.TypeAAAA, dns.TypeANY:
		host := ""
		for k, room := 0, r.room(s.cfg.ARecordLimit); k < len(order) && room > 0; k++ {
			added, h := s.addAddr(r, l.dc, qname, qtype, ttl, next(k))
			if added {
				room--
			} else if host == "" {
				host = h
			}
		}
		if len(r.answer) == 0 && host != "" {
			s.addCNAME(r, qname, host, qtype, ttl, depth)
		}
	case dns.TypeTXT:
		for k := 0; k < len(order) && r.room(0) > 0; k++ {
			inst := next(k)
			if r.seen.extra.add(rrKey{inst.Node.Name, dns.TypeTXT}) {
				continue
			}
			for _, rr := range metaTXT(qname, ttl, inst.Node.Meta) {
				r.addAnswer(rr)
			}
		}
	}
}

// endpoint returns the address and port to answer for inst in dc, and
// whether that address is its node's. With translate_wan_addrs, instances
// of other datacenters answer their "wan" tagged addresses.
func (s *Server) endpoint(inst *Instance, dc string) (addr string, port int, onNode bool) {
	addr, port = inst.Address, inst.Port
	nodeAddr := inst.Node.Address
	if s.cfg.TranslateWANAddrs && dc != s.cfg.Datacenter {
		if wan, ok := inst.TaggedAddresses["wan"]; ok && wan.Address != "" {
			addr = wan.Address
			if wan.Port != 0 {
				port = wan.Port
			}
		}
		if wan := inst.Node.TaggedAddresses["wan"]; wan != "" {
			nodeAddr = wan
		}
	}
	if addr == "" || addr == nodeAddr {
		return nodeAddr, port, true
	}
	return addr, port, false
}

// addAddr answers inst's address when it is an IP of the family asked for
// and not answered yet. A hostname address is returned instead, for a
// CNAME.
func (s *Server) addAddr(r *reply, dc, qname string, qtype uint16, ttl uint32, inst *Instance) (added bool, host string) {
	addr, _, _ := s.endpoint(inst, dc)
	ip, ok := parseIP(addr)
	if !ok {
		if validHost(addr) {
			return false, addr
		}
		return false, ""
	}
	if !wantsAddr(qtype, ip) || r.seen.ips.add(ip) {
		return false, ""
	}
	r.addAnswer(r.addrRR(qname, ttl, ip))
	return true, ""
}

// addSRV answers inst as an SRV record. The target is <node>.node.<dc>.<domain>
// when the instance uses its node's address, <hex>.addr.<dc>.<domain> when it
// has its own IP, or the hostname it is registered with; an IP target's
// address goes in the additional section, with the node's meta as TXT.
func (s *Server) addSRV(r *reply, l *lookup, qname string, ttl uint32, inst *Instance) bool {
	addr, port, onNode := s.endpoint(inst, l.dc)
	ip, isIP := parseIP(addr)
	var target string
	switch {
	case !isIP && !validHost(addr):
		return false
	case !isIP:
		target = dns.Fqdn(addr)
	case onNode && validLabel(inst.Node.Name):
		target = nodeFQDN(inst.Node.Name, l.dc, l.domain)
	default:
		target = hexAddr(ip) + ".addr." + l.dc + "." + l.domain
	}
	if r.seen.srvs.add(srvKey{target, port}) {
		return false
	}
	r.addAnswer(r.srvRR(qname, ttl, weight(inst), port, target))
	if isIP && !r.seen.extra.add(rrKey{target, addrType(ip)}) {
		r.addExtra(r.addrRR(target, ttl, ip))
	}
	if s.cfg.EnableAdditionalNodeMetaTXT && len(inst.Node.Meta) > 0 {
		owner := target
		if !onNode || !isIP {
			owner = nodeFQDN(inst.Node.Name, l.dc, l.domain)
		}
		if !r.seen.extra.add(rrKey{owner, dns.TypeTXT}) {
			for _, rr := range metaTXT(owner, ttl, inst.Node.Meta) {
				r.addExtra(rr)
			}
		}
	}
	return true
}

// weight is the SRV weight of inst by its health; zero Weights mean 1.
func weight(inst *Instance) int {
	w := inst.Weights
	if w == (Weights{}) {
		return 1
	}
	v := w.Passing
	if inst.Status == StatusWarning {
		v = w.Warning
	}
	return min(max(v, 0), 65535)
}

func nodeFQDN(node, dc, domain string) string {
	return node + ".node." + dc + "." + domain
}

func addrType(ip netip.Addr) uint16 {
	if ip.Is4() {
		return dns.TypeA
	}
	return dns.TypeAAAA
}

// validLabel reports whether s can be one DNS label of a target name:
// letters, digits and hyphens, as Consul requires of node names there.
func validLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validHost reports whether s is a hostname that may be a CNAME or SRV
// target.
func validHost(s string) bool {
	if s == "" || strings.IndexByte(s, '\\') >= 0 {
		return false
	}
	_, ok := dns.IsDomainName(s)
	return ok && s != "."
}
