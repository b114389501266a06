package dns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestParseLookup(t *testing.T) {
	cases := []struct {
		prefix string
		want   lookup
	}{
		{"", lookup{kind: kindApex}},
		{"web.service", lookup{kind: kindService, name: "web"}},
		{"web.service.dc2", lookup{kind: kindService, name: "web", dc: "dc2"}},
		{"web.service.dc2.dc", lookup{kind: kindService, name: "web", dc: "dc2"}},
		{"v1.web.service", lookup{kind: kindService, name: "web", tag: "v1"}},
		{"a.b.web.service", lookup{kind: kindService, name: "web", tag: "a.b"}},
		{"_web._v1.service", lookup{kind: kindService, name: "web", tag: "v1"}},
		{"_web._tcp.service", lookup{kind: kindService, name: "web"}},
		{"_web._udp.service.dc2", lookup{kind: kindService, name: "web", dc: "dc2"}},
		{"_web._tcp", lookup{kind: kindService, name: "web"}},
		{"_web._v2.dc2", lookup{kind: kindService, name: "web", tag: "v2", dc: "dc2"}},
		{"_web._v2.dc2.dc", lookup{kind: kindService, name: "web", tag: "v2", dc: "dc2"}},
		{"_web._v2.a.b", lookup{}},
		{"_web._v2.a.b.c", lookup{}},
		{"_web", lookup{}},
		{"node1.node", lookup{kind: kindNode, name: "node1"}},
		{"my.dotted.host.node.dc1", lookup{kind: kindNode, name: "my.dotted.host", dc: "dc1"}},
		{"web.connect", lookup{kind: kindConnect, name: "web"}},
		{"v1.web.connect", lookup{}},
		{"0a000001.addr.dc1", lookup{kind: kindAddr, name: "0a000001", dc: "dc1"}},
		{"q1.query", lookup{kind: kindQuery, name: "q1"}},
		{"_q1._tcp.query.dc3", lookup{kind: kindQuery, name: "q1", dc: "dc3"}},
		{"web.service.dc2.peer", lookup{}},
		{"web.service.a.b.c", lookup{}},
		{"service", lookup{}},
		{"web.ingress", lookup{}},
		{"web", lookup{}},
		{".web.service", lookup{}},
		{"web..service", lookup{}},
		{`we\.b.service`, lookup{}},
		{"web.service.node", lookup{kind: kindNode, name: "web.service"}}, // the rightmost kind label wins
	}
	for _, tc := range cases {
		if got := parseLookup(tc.prefix); got != tc.want {
			t.Errorf("parseLookup(%q) = %+v, want %+v", tc.prefix, got, tc.want)
		}
	}
}

func TestSplitZone(t *testing.T) {
	domains := []string{"pylon.consul.", "consul."}
	cases := []struct {
		name, prefix, domain string
		ok                   bool
	}{
		{"consul.", "", "consul.", true},
		{"web.service.consul.", "web.service", "consul.", true},
		{"web.service.pylon.consul.", "web.service", "pylon.consul.", true},
		{"pylon.consul.", "", "pylon.consul.", true},
		{"xconsul.", "", "", false},
		{"consul.example.", "", "", false},
		{".", "", "", false},
	}
	for _, tc := range cases {
		prefix, domain, ok := splitZone(tc.name, domains)
		if prefix != tc.prefix || domain != tc.domain || ok != tc.ok {
			t.Errorf("splitZone(%q) = %q, %q, %v; want %q, %q, %v", tc.name, prefix, domain, ok, tc.prefix, tc.domain, tc.ok)
		}
	}
}

func TestParseReverse(t *testing.T) {
	cases := []struct {
		name string
		want string // "" for not an address
	}{
		{"1.0.0.10.in-addr.arpa.", "10.0.0.1"},
		{"255.255.255.255.in-addr.arpa.", "255.255.255.255"},
		{"0.0.0.0.in-addr.arpa.", "0.0.0.0"},
		{"256.0.0.10.in-addr.arpa.", ""},
		{"01.0.0.10.in-addr.arpa.", ""},
		{"0.0.10.in-addr.arpa.", ""},
		{"1.1.0.0.10.in-addr.arpa.", ""},
		{"a.0.0.10.in-addr.arpa.", ""},
		{"in-addr.arpa.", ""},
		{"6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", "fd00::6"},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", "::1"},
		{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", ""},   // 31 nibbles
		{"g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", ""}, // not hex
		{"10.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", ""},
		{"web.service.consul.", ""},
	}
	for _, tc := range cases {
		ip, ok := parseReverse(tc.name)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != tc.want {
			t.Errorf("parseReverse(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestHexAddr(t *testing.T) {
	for _, s := range []string{"10.0.0.1", "255.1.2.3", "fd00::6", "2001:db8::ff00:42:8329", "::ffff:10.0.0.1"} {
		ip := netip.MustParseAddr(s)
		back, ok := parseHexAddr(hexAddr(ip))
		if !ok || back != ip {
			t.Errorf("%s: hex %q decodes to %v, %v", s, hexAddr(ip), back, ok)
		}
	}
	for _, bad := range []string{"", "0a00001", "0a0000011", "0a00000g", "zz"} {
		if _, ok := parseHexAddr(bad); ok {
			t.Errorf("parseHexAddr(%q) accepted", bad)
		}
	}
}

func TestMetaTXT(t *testing.T) {
	meta := map[string]string{"b": "2", "a=b": "x", "rfc1035-raw": `"quoted" \ text`, "RFC1035-Upper": "u", " sp ": "v",
		"long": strings.Repeat("\x00", 300)}
	rrs := metaTXT("n.", 5, meta)
	want := []string{"` sp` =v", "u", "a`=b=x", "b=2", "long=" + strings.Repeat(`\000`, 250) + "|" + strings.Repeat(`\000`, 50),
		`\"quoted\" \\ text`}
	var got []string
	for _, rr := range rrs {
		txt := rr.(*dns.TXT)
		if txt.Hdr.Name != "n." || txt.Hdr.Ttl != 5 {
			t.Errorf("header %v", txt.Hdr)
		}
		got = append(got, strings.Join(txt.Txt, "|"))
	}
	if !slices.Equal(got, want) {
		t.Errorf("TXT strings\n got  %q\n want %q", got, want)
	}
	// The strings travel verbatim: they pack and unpack to themselves.
	m := &dns.Msg{Answer: rrs}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var back dns.Msg
	if err := back.Unpack(b); err != nil {
		t.Fatal(err)
	}
	for i, rr := range back.Answer {
		if g := strings.Join(rr.(*dns.TXT).Txt, "|"); g != want[i] {
			t.Errorf("record %d after the wire: %q, want %q", i, g, want[i])
		}
	}
}

func TestRFC1464Key(t *testing.T) {
	cases := map[string]string{"plain": "plain", "a=b": "a`=b", "a`b": "a``b", " lead": "` lead", "trail ": "trail` ", "in side": "in side"}
	for in, want := range cases {
		if got := rfc1464Key(in); got != want {
			t.Errorf("rfc1464Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTTLTable(t *testing.T) {
	tbl := newTTLTable(map[string]time.Duration{"*": 1 * time.Second, "Web": 2 * time.Second, "w*": 3 * time.Second, "we*": 4 * time.Second})
	cases := map[string]uint32{"web": 2, "wet": 4, "wa": 3, "x": 1, "": 1}
	for name, want := range cases {
		if got := tbl.lookup(name); got != want {
			t.Errorf("lookup(%q) = %d, want %d", name, got, want)
		}
	}
	if got := newTTLTable(nil); got.lookup("web") != 0 {
		t.Errorf("empty table: %d, want 0", got.lookup("web"))
	}
}
