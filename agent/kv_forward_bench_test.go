package agent

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkClientKVPut is PUT /v1/kv/<key> through a client agent over
// loopback HTTP: the client forwards it over RPC to the -dev server, which
// runs it through its HTTP API and its (single-server) Raft. It covers
// the client's and the leader's share of the cluster figure's write path,
// in one process, so allocations per write can be read off:
//
//	go test ./agent -run '^$' -bench ClientKVPut -benchmem
func BenchmarkClientKVPut(b *testing.B) {
	_, cli, hc := benchClientPair(b)
	base := "http://" + cli.HTTPAddr() + "/v1/kv/bench/"
	val := bytes.Repeat([]byte("v"), 100)
	var n atomic.Int64
	put := func() error {
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s%d", base, n.Add(1)%64), bytes.NewReader(val))
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && (resp.StatusCode != http.StatusOK || string(body) != "true\n") {
			err = fmt.Errorf("PUT answered %d %q", resp.StatusCode, body)
		}
		return err
	}
	b.ReportAllocs()
	b.SetParallelism(16) // 32 writers on 2 CPUs, as hey -c 32
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := put(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
