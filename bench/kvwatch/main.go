// Command kvwatch measures blocking KV watchers against a running agent:
// it parks -n blocking reads on one key (or, with -prefix, on a prefix
// holding it), reports the agent's resident memory per parked watcher,
// then changes the key and reports how long until every watcher has its
// answer. Each watcher is its own connection, as with node-consul, so the
// agent needs limits { http_max_conns_per_client = 0 } (its default cap
// is 200 connections per client address).
//
// Usage: kvwatch -addr 127.0.0.1:8500 -pid <agent pid> -n 10000 [-prefix]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8500", "agent HTTP address")
	pid := flag.Int("pid", 0, "agent process ID, for its memory")
	n := flag.Int("n", 1000, "watchers")
	onPrefix := flag.Bool("prefix", false, "watch the prefix watch/ (recurse) rather than the key")
	settle := flag.Duration("settle", 3*time.Second, "wait after the last request is sent")
	flag.Parse()
	base := "http://" + *addr + "/v1/kv/"
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DisableKeepAlives: true}
	client := &http.Client{Transport: tr}

	idx := put(client, base+"watch/key", "v0")
	before := rssKB(*pid)

	var sent atomic.Int64
	var wg sync.WaitGroup
	watchers := *n
	results := make([]time.Time, watchers)
	var failures atomic.Int64
	url := base + "watch/key?index=" + idx + "&wait=5m"
	what := "key watch/key"
	if *onPrefix {
		url = base + "watch/?recurse&index=" + idx + "&wait=5m"
		what = "prefix watch/"
	}
	for i := range watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !watch(client, url, &sent) {
				failures.Add(1)
			}
			results[i] = time.Now()
		}()
	}
	for sent.Load() < int64(watchers) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(*settle)
	after := rssKB(*pid)
	if *pid != 0 {
		fmt.Printf("%d watchers on the %s: agent RSS %d MB -> %d MB: %.1f KB per watcher\n",
			watchers, what, before/1024, after/1024, float64(after-before)/float64(watchers))
	}

	start := time.Now()
	put(client, base+"watch/key", "v1")
	wg.Wait()
	lat := make([]time.Duration, len(results))
	for i, t := range results {
		lat[i] = t.Sub(start)
	}
	slices.Sort(lat)
	fmt.Printf("one change woke %d watchers (%d failed): p50 %v, p99 %v, last %v\n",
		watchers, failures.Load(), lat[len(lat)/2].Round(time.Millisecond),
		lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}

// put writes a value and returns the index it was written at.
func put(c *http.Client, url, value string) string {
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(value))
	resp, err := c.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	get, err := c.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	get.Body.Close()
	return get.Header.Get("X-Consul-Index")
}

// watch runs one blocking read; it reports whether it ended with 200.
func watch(c *http.Client, url string, sent *atomic.Int64) bool {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent.Add(1) }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.Do(req)
	if err != nil {
		sent.Add(1) // never sent; do not wait for it
		log.Print(err)
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// rssKB reads a process's resident set size in KB from /proc.
func rssKB(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}
