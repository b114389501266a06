package aclresolve

import (
	"context"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// BenchmarkResolveHit is a token resolution answered from the cache, the
// cost every request pays with ACLs on, in parallel over 100 tokens:
// go test ./agent/aclresolve -run '^$' -bench ResolveHit -benchmem
func BenchmarkResolveHit(b *testing.B) {
	s := startServers(b)
	p := s.policy(b, "read-all", `service_prefix "" { policy = "read" }`)
	secrets := make([]string, 100)
	for i := range secrets {
		secrets[i] = s.token(b, state.ACLToken{Policies: []state.ACLLink{{ID: p}}})
	}
	r := newResolver(b, s, newClock(), DownExtendCache, Tokens{})
	for _, sec := range secrets {
		if _, err := r.Resolve(context.Background(), sec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := r.Resolve(context.Background(), secrets[i%len(secrets)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.StopTimer()
	b.ReportMetric(100*r.Stats().HitRate(), "hit%")
}
