package state

import (
	"fmt"
	"testing"
)

// kvBenchStore holds 10,000 keys of 100 bytes under 100 prefixes.
func kvBenchStore(b *testing.B) (*Store, []string) {
	s := newStore(b)
	keys := make([]string, 0, 10000)
	val := make([]byte, 100)
	for i := range 10000 {
		k := fmt.Sprintf("app/%02d/key-%d", i%100, i)
		mustKV(b, s, uint64(i+1), KVSet, KVEntry{Key: k, Value: val})
		keys = append(keys, k)
	}
	return s, keys
}

// BenchmarkKVGet reads single keys from parallel goroutines, as the
// HTTP layer does for GET /v1/kv/:key.
func BenchmarkKVGet(b *testing.B) {
	s, keys := kvBenchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, e, err := s.KVGet(nil, keys[i%len(keys)])
			if err != nil || e == nil {
				b.Fatalf("KVGet = %v, %v", e, err)
			}
			i += 7
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

// BenchmarkKVList lists one prefix of 100 keys.
func BenchmarkKVList(b *testing.B) {
	s, _ := kvBenchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, es, err := s.KVList(nil, "app/42/"); err != nil || len(es) != 100 {
			b.Fatalf("KVList = %d entries, %v", len(es), err)
		}
	}
}

// BenchmarkKVSet writes one key per transaction.
func BenchmarkKVSet(b *testing.B) {
	s := newStore(b)
	val := make([]byte, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		mustKV(b, s, uint64(i+1), KVSet, KVEntry{Key: fmt.Sprintf("k/%d", i%1000), Value: val})
	}
}
