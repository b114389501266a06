package state

import (
	"fmt"
	"testing"
)

// benchStore holds 10 "web" instances on 10 nodes, each with a node check
// and a service check, among 100 other services.
func benchStore(b *testing.B) *Store {
	s := newStore(b)
	idx := uint64(1)
	for i := 0; i < 10; i++ {
		r := regWeb(fmt.Sprintf("node-%d", i), fmt.Sprintf("web-%d", i), "v1", "prod")
		r.Checks = append(r.Checks, &HealthCheck{CheckID: "serfHealth", Status: HealthPassing})
		mustRegister(b, s, idx, r)
		idx++
	}
	for i := 0; i < 100; i++ {
		mustRegister(b, s, idx, regService(fmt.Sprintf("other-%d", i), fmt.Sprintf("svc-%d", i)))
		idx++
	}
	return s
}

func BenchmarkCheckServiceNodes(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, csns, err := s.CheckServiceNodes(nil, "web", false)
			if err != nil || len(csns) != 10 {
				b.Fatalf("got %d instances, %v", len(csns), err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

func BenchmarkEnsureRegistration(b *testing.B) {
	for _, mode := range []string{"new", "unchanged", "check-flap"} {
		b.Run(mode, func(b *testing.B) {
			s := benchStore(b)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var r *Registration
				switch mode {
				case "new":
					r = regWeb(fmt.Sprintf("bench-%d", i), "web-x")
				case "unchanged":
					r = regWeb("node-1", "web-1", "v1", "prod")
				case "check-flap":
					r = regWeb("node-1", "web-1", "v1", "prod")
					r.Checks[0].Status = []string{HealthPassing, HealthCritical}[i%2]
				}
				if err := s.EnsureRegistration(uint64(1000+i), r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// BenchmarkWriteBatch applies new registrations in batches of 64, as the
// FSM does under load; ns/op is per registration.
func BenchmarkWriteBatch(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	const size = 64
	ops := make([]func(Writer) error, 0, size)
	for i := 0; i < b.N; i++ {
		idx, reg := uint64(1000+i), regWeb(fmt.Sprintf("bench-%d", i), "web-x")
		ops = append(ops, func(w Writer) error { return w.EnsureRegistration(idx, reg) })
		if len(ops) == size || i == b.N-1 {
			for _, err := range s.WriteBatch(ops) {
				if err != nil {
					b.Fatal(err)
				}
			}
			ops = ops[:0]
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}
