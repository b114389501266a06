package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// compareBases are the port bases of the two clusters -compare runs.
var compareBases = [2]int{base, base + 500}

// compare measures the PUT load through the client of two binaries on
// this machine, whose speed drifts by tens of percent within minutes:
// one cluster of each runs at once (the idle one costs about 1% of a
// core), and they take turns under load, in the order AB, BA, AB, ...,
// so a drift falls on both alike. It prints every round and the medians.
func compare(bins [2]string, mult, secs, rounds int) {
	var clusters [2][]*node
	defer func() {
		for _, nodes := range clusters {
			for _, n := range nodes {
				n.cmd.Process.Kill()
				n.cmd.Wait()
			}
		}
	}()
	for i, bin := range bins {
		dir, err := os.MkdirTemp("", "clustertime")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		for j := range 4 {
			clusters[i] = append(clusters[i], startNode(bin, dir, compareBases[i], j, j < 3, mult))
		}
		waitWrite(clusters[i][3].http, 30*time.Second)
	}
	var rps, p99, cpu [2][]float64
	for round := range rounds {
		for k := range 2 {
			i := k ^ round%2 // AB, then BA
			nodes := clusters[i]
			before := cpuTimes(nodes)
			r := hey(fmt.Sprintf("through the client of %s (round %d)", bins[i], round+1), nodes[3].http, secs)
			if r.ok == 0 {
				panic("no request answered 200")
			}
			var total time.Duration
			for n, t := range cpuTimes(nodes) {
				total += t - before[n]
			}
			rps[i] = append(rps[i], r.rps)
			p99[i] = append(p99[i], r.p99*1000)
			cpu[i] = append(cpu[i], float64(total.Microseconds())/float64(r.ok))
		}
	}
	for i, bin := range bins {
		fmt.Printf("%s: req/s %s (median %.0f), p99 ms %s, pylon CPU per PUT µs %s (median %.0f)\n", bin,
			join(rps[i], "%.0f"), median(rps[i]), join(p99[i], "%.1f"), join(cpu[i], "%.0f"), median(cpu[i]))
	}
}

func join(xs []float64, format string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(parts, " ")
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
