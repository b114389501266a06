package dns

import (
	"net/netip"
	"strings"
)

// kind is what a name under the domain asks for.
type kind uint8

const (
	kindInvalid kind = iota // matches no form: NXDOMAIN
	kindApex                // the domain itself
	kindService             // [<tag>.]<svc>.service, _<svc>._<tag>[.service]
	kindConnect             // <svc>.connect
	kindNode                // <node>.node
	kindAddr                // <hex>.addr
	kindQuery               // <query>.query, _<query>._<proto>.query
)

// lookup is a parsed name under the domain. Its strings are slices of the
// lower-cased query name.
type lookup struct {
	kind   kind
	name   string // service, node or query name; hex label for addr
	tag    string
	dc     string // "" means the local datacenter
	domain string // the zone the name was under: Domain or AltDomain
}

// kindOf maps the kind label of a name to its kind.
func kindOf(label string) kind {
	switch label {
	case "service":
		return kindService
	case "connect":
		return kindConnect
	case "node":
		return kindNode
	case "addr":
		return kindAddr
	case "query":
		return kindQuery
	}
	return kindInvalid
}

// splitZone splits a lower-case FQDN into the part before one of domains and
// that domain. domains are lower-case FQDNs, longest first; empty ones are
// skipped.
func splitZone(name string, domains []string) (prefix, domain string, ok bool) {
	for _, d := range domains {
		switch {
		case d == "":
		case name == d:
			return "", d, true
		case len(name) > len(d) && strings.HasSuffix(name, d) && name[len(name)-len(d)-1] == '.':
			return name[:len(name)-len(d)-1], d, true
		}
	}
	return "", "", false
}

// parseLookup parses the part of a name before the domain: the labels before
// a kind label, the kind label, and up to two datacenter labels after it
// (<dc> or <dc>.dc). Any other shape is kindInvalid.
func parseLookup(prefix string) lookup {
	if prefix == "" {
		return lookup{kind: kindApex}
	}
	if prefix[0] == '.' || strings.Contains(prefix, "..") || strings.IndexByte(prefix, '\\') >= 0 {
		return lookup{}
	}
	var after [2]string // labels after the kind label, last first
	rest := prefix
	for n := 0; n < 3; n++ {
		head, label := cutLast(rest)
		if head == "" {
			break
		}
		if k := kindOf(label); k != kindInvalid {
			return parseKind(k, head, after[:n])
		}
		if n < 2 {
			after[n] = label
		}
		rest = head
	}
	return parseBareRFC2782(prefix)
}

// parseKind finishes a name whose kind label was found; head is what came
// before it and after the labels after it, last first.
func parseKind(k kind, head string, after []string) lookup {
	dc, ok := datacenter(after)
	if !ok {
		return lookup{}
	}
	l := lookup{kind: k, dc: dc}
	switch k {
	case kindService:
		l.name, l.tag = parseServiceLabels(head)
	case kindNode:
		l.name = head
	case kindConnect, kindAddr:
		if strings.IndexByte(head, '.') >= 0 {
			return lookup{}
		}
		l.name = head
	case kindQuery:
		l.name = head
		if a, _, ok := rfc2782(head); ok {
			l.name = a
		}
	}
	if l.name == "" {
		return lookup{}
	}
	return l
}

// datacenter reads the labels after the kind label, last first: none, <dc>,
// or <dc>.dc.
func datacenter(after []string) (string, bool) {
	switch {
	case len(after) == 0:
		return "", true
	case len(after) == 1:
		return after[0], true
	case after[0] == "dc":
		return after[1], true
	}
	return "", false
}

// parseServiceLabels reads the labels before "service": <svc>,
// <tag>.<svc> (the tag may hold dots), or _<svc>._<tag> where the tag "tcp"
// or "udp" means no tag.
func parseServiceLabels(head string) (svc, tag string) {
	if a, b, ok := rfc2782(head); ok {
		if b == "tcp" || b == "udp" {
			b = ""
		}
		return a, b
	}
	i := strings.LastIndexByte(head, '.')
	if i < 0 {
		return head, ""
	}
	return head[i+1:], head[:i]
}

// parseBareRFC2782 accepts the RFC 2782 form without the "service" label:
// _<svc>._<tag>[.<dc>[.dc]].
func parseBareRFC2782(prefix string) lookup {
	first, rest, _ := strings.Cut(prefix, ".")
	second, rest, _ := strings.Cut(rest, ".")
	if len(first) < 2 || first[0] != '_' || len(second) < 2 || second[0] != '_' {
		return lookup{}
	}
	var after [2]string // last first, as datacenter wants
	n := 0
	for rest != "" {
		if n == len(after) {
			return lookup{}
		}
		head, label := cutLast(rest)
		after[n], rest, n = label, head, n+1
	}
	dc, ok := datacenter(after[:n])
	if !ok {
		return lookup{}
	}
	tag := second[1:]
	if tag == "tcp" || tag == "udp" {
		tag = ""
	}
	return lookup{kind: kindService, name: first[1:], tag: tag, dc: dc}
}

// rfc2782 splits "_a._b" into "a" and "b".
func rfc2782(s string) (a, b string, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found || len(a) < 2 || len(b) < 2 || a[0] != '_' || b[0] != '_' || strings.IndexByte(b, '.') >= 0 {
		return "", "", false
	}
	return a[1:], b[1:], true
}

// cutLast splits s at its last dot.
func cutLast(s string) (head, label string) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+1:]
}

// parseReverse reads the address of a full reverse name (lower case, FQDN):
// four labels under in-addr.arpa or 32 nibbles under ip6.arpa.
func parseReverse(name string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa."); ok {
		return parseReverse4(rest)
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa."); ok {
		return parseReverse6(rest)
	}
	return netip.Addr{}, false
}

func parseReverse4(rest string) (netip.Addr, bool) {
	var b [4]byte
	for i := 3; i >= 0; i-- {
		label, tail, _ := strings.Cut(rest, ".")
		v, ok := decimalByte(label)
		if !ok || (i == 0) != (tail == "") {
			return netip.Addr{}, false
		}
		b[i], rest = v, tail
	}
	return netip.AddrFrom4(b), true
}

func decimalByte(s string) (byte, bool) {
	if len(s) == 0 || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return byte(v), v <= 255
}

func parseReverse6(rest string) (netip.Addr, bool) {
	if len(rest) != 63 {
		return netip.Addr{}, false
	}
	var b [16]byte
	for i := 0; i < 32; i++ {
		c := rest[2*i]
		if i < 31 && rest[2*i+1] != '.' {
			return netip.Addr{}, false
		}
		v, ok := nibble(c)
		if !ok {
			return netip.Addr{}, false
		}
		pos := 31 - i // nibbles come least significant first
		if pos%2 == 0 {
			b[pos/2] |= v << 4
		} else {
			b[pos/2] |= v
		}
	}
	return netip.AddrFrom16(b), true
}

func nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
