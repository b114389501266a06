package dnsview

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// maxBytesPerInstance is the memory budget of one instance in a view.
const maxBytesPerInstance = 2048

// viewBytesPerInstance registers n instances of one service (ten per node,
// each with a check, tags, meta and a tagged address), then measures the
// live heap a view of them adds: its instance list, position map and
// subscription. The store's own records are not counted; the view shares
// them.
func viewBytesPerInstance(t testing.TB, n int) float64 {
	s := newTestStore(t)
	for i := range n {
		node := fmt.Sprintf("node-%05d", i/10)
		reg := instance(node, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "web", fmt.Sprintf("web-%05d", i), state.HealthPassing)
		reg.Service.TaggedAddresses = map[string]state.ServiceAddress{"lan_ipv4": {Address: reg.Node.Address, Port: 8080}}
		s.register(t, reg)
	}
	v, err := New(s.Store, DefaultConfig("dc1"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	before := liveHeap()
	if got := len(v.ServiceInstances("dc1", "web")); got != n {
		t.Fatalf("view holds %d instances, want %d", got, n)
	}
	after := liveHeap()
	runtime.KeepAlive(s)
	return float64(after-before) / float64(n)
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestViewMemoryPerInstance(t *testing.T) {
	const n = 10000
	perInst := viewBytesPerInstance(t, n)
	t.Logf("view of %d instances: %.0f bytes/instance", n, perInst)
	if perInst > maxBytesPerInstance {
		t.Fatalf("view uses %.0f bytes per instance, budget %d", perInst, maxBytesPerInstance)
	}
}

// BenchmarkViewMemory reports the heap a view of 10,000 instances adds, per
// instance (bytes/instance). Each op also registers the instances, so its
// time is not a figure of interest; run it with the default -benchtime.
func BenchmarkViewMemory(b *testing.B) {
	var perInst float64
	for b.Loop() {
		perInst = viewBytesPerInstance(b, 10000)
	}
	b.ReportMetric(perInst, "bytes/instance")
}
