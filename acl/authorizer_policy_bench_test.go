package acl

import (
	"fmt"
	"strings"
	"testing"
)

// benchRules is a 50-rule policy of the usual shape: catch-all prefixes,
// team prefixes and exact services.
func benchRules() string {
	var b strings.Builder
	b.WriteString("service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }\n")
	for i := range 16 {
		fmt.Fprintf(&b, "service_prefix \"team%02d-\" { policy = \"write\" }\n", i)
		fmt.Fprintf(&b, "service \"team%02d-api-%d\" { policy = \"deny\" }\n", i, i)
		fmt.Fprintf(&b, "key_prefix \"team%02d/\" { policy = \"write\" }\n", i)
	}
	return b.String()
}

func BenchmarkServiceRead(b *testing.B) {
	rs := mustParse(b, benchRules())
	if n := len(rs.Rules); n != 50 {
		b.Fatalf("policy has %d rules, want 50", n)
	}
	a := Compile(Deny, rs)
	names := []string{"team07-api-7", "team07-web", "billing", "team15-api-1"}
	want := []bool{false, true, true, true}
	for i, n := range names {
		if a.ServiceRead(n) != want[i] {
			b.Fatalf("ServiceRead(%q) = %v, want %v", n, !want[i], want[i])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.ServiceRead(names[i&3])
	}
}

func BenchmarkParseRules(b *testing.B) {
	rules := benchRules()
	b.ReportAllocs()
	b.SetBytes(int64(len(rules)))
	for b.Loop() {
		if _, err := ParseRules(rules); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	rs := mustParse(b, benchRules())
	b.ReportAllocs()
	for b.Loop() {
		Compile(Deny, rs)
	}
}
