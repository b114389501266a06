package dns

import (
	"encoding/hex"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

func header(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

// addrRR returns an A or AAAA record for ip, cut from r's slabs when they
// have room.
func (r *reply) addrRR(name string, ttl uint32, ip netip.Addr) dns.RR {
	if ip.Is4() {
		var rec *aRecord
		if len(r.a) < cap(r.a) {
			r.a = r.a[:len(r.a)+1]
			rec = &r.a[len(r.a)-1]
		} else {
			rec = new(aRecord)
		}
		rec.ip = ip.As4()
		rec.rr = dns.A{Hdr: header(name, dns.TypeA, ttl), A: rec.ip[:]}
		return &rec.rr
	}
	var rec *aaaaRecord
	if len(r.aaaa) < cap(r.aaaa) {
		r.aaaa = r.aaaa[:len(r.aaaa)+1]
		rec = &r.aaaa[len(r.aaaa)-1]
	} else {
		rec = new(aaaaRecord)
	}
	rec.ip = ip.As16()
	rec.rr = dns.AAAA{Hdr: header(name, dns.TypeAAAA, ttl), AAAA: rec.ip[:]}
	return &rec.rr
}

func (r *reply) srvRR(name string, ttl uint32, weight, port int, target string) *dns.SRV {
	var rr *dns.SRV
	if len(r.srv) < cap(r.srv) {
		r.srv = r.srv[:len(r.srv)+1]
		rr = &r.srv[len(r.srv)-1]
	} else {
		rr = new(dns.SRV)
	}
	*rr = dns.SRV{Hdr: header(name, dns.TypeSRV, ttl), Priority: 1, Weight: uint16(weight), Port: uint16(port), Target: target}
	return rr
}

// wantsAddr reports whether a qtype query is answered with ip's record.
func wantsAddr(qtype uint16, ip netip.Addr) bool {
	switch qtype {
	case dns.TypeA:
		return ip.Is4()
	case dns.TypeAAAA:
		return ip.Is6()
	case dns.TypeANY:
		return true
	}
	return false
}

// parseIP parses an address as DNS answers it: IPv4-mapped IPv6 addresses
// are answered as IPv4.
func parseIP(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return netip.Addr{}, false
	}
	return ip.Unmap(), true
}

// metaTXT returns node meta as TXT records owned by name, one per key in key
// order: "key=value" (RFC 1464), or the bare value for keys prefixed
// "rfc1035-".
func metaTXT(name string, ttl uint32, meta map[string]string) []dns.RR {
	if len(meta) == 0 {
		return nil
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]dns.RR, 0, len(keys))
	for _, k := range keys {
		txt := meta[k]
		if !strings.HasPrefix(strings.ToLower(k), "rfc1035-") {
			txt = rfc1464Key(k) + "=" + txt
		}
		out = append(out, &dns.TXT{Hdr: header(name, dns.TypeTXT, ttl), Txt: splitTXT(txt)})
	}
	return out
}

// rfc1464Key quotes the characters RFC 1464 reserves in an attribute name:
// '`', '=' and leading or trailing blanks, with a backquote.
func rfc1464Key(k string) string {
	if !strings.ContainsAny(k, "`= \t") {
		return k
	}
	var b strings.Builder
	body := strings.TrimRight(k, " \t")
	lead := len(body) - len(strings.TrimLeft(body, " \t"))
	for i := 0; i < len(k); i++ {
		c := k[i]
		blank := c == ' ' || c == '\t'
		if c == '`' || c == '=' || (blank && (i < lead || i >= len(body))) {
			b.WriteByte('`')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// splitTXT cuts s into the 255-byte character-strings a TXT record holds,
// each escaped for miekg's presentation format so it travels verbatim.
func splitTXT(s string) []string {
	if len(s) <= 255 {
		return []string{escapeTXT(s)}
	}
	var out []string
	for len(s) > 0 {
		n := min(len(s), 255)
		out = append(out, escapeTXT(s[:n]))
		s = s[n:]
	}
	return out
}

func escapeTXT(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = c >= ' ' && c <= '~' && c != '\\' && c != '"'
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hexAddr encodes ip as the label of an <hex>.addr name: 8 hex digits for
// IPv4, 32 for IPv6.
func hexAddr(ip netip.Addr) string {
	if ip.Is4() {
		b := ip.As4()
		return hex.EncodeToString(b[:])
	}
	b := ip.As16()
	return hex.EncodeToString(b[:])
}

// parseHexAddr decodes an <hex>.addr label.
func parseHexAddr(label string) (netip.Addr, bool) {
	if len(label) != 8 && len(label) != 32 {
		return netip.Addr{}, false
	}
	var b [16]byte
	if _, err := hex.Decode(b[:len(label)/2], []byte(label)); err != nil {
		return netip.Addr{}, false
	}
	if len(label) == 8 {
		return netip.AddrFrom4([4]byte(b[:4])), true
	}
	return netip.AddrFrom16(b), true
}

// soa returns the zone's SOA record for domain.
func (s *Server) soa(domain string) *dns.SOA {
	c := s.cfg.SOA
	return &dns.SOA{
		Hdr:     header(domain, dns.TypeSOA, c.MinTTL),
		Ns:      "ns." + domain,
		Mbox:    "hostmaster." + domain,
		Serial:  uint32(time.Now().Unix()),
		Refresh: c.Refresh,
		Retry:   c.Retry,
		Expire:  c.Expire,
		Minttl:  c.MinTTL,
	}
}
