package config

import (
	"os"
	"testing"
)

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// The fuzz targets check that no input crashes a parser and that whatever
// parses also decodes without panicking; errors are fine.

func FuzzLoadHCL(f *testing.F) {
	addSeeds(f, "testdata/web.hcl", "testdata/cluster.hcl")
	f.Add([]byte(`server = true` + "\n" + `bootstrap_expect = 2` + "\n" + `encrypt = "aGVsbG8="` + "\n" +
		`performance { raft_multiplier = 11 leave_drain_time = "5s" }` + "\n" +
		`autopilot { min_quorum = -1 redundancy_zone_tag = "az" }` + "\n" + `retry_join = ["", "a"]`))
	f.Add([]byte(`ports { http = 1 dns = 2 }` + "\n" + `service { name = "a" check { ttl = "1s" } }`))
	f.Add([]byte(`a "b" "c" { d = [1, { e = true }] }`))
	f.Add([]byte(`watches = [{ type = "key", key = "k", args = ["x"] }]` + "\n" +
		`watches { type = "nodes" handler_type = "http" http_handler_config { path = "http://h/" } }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := parseHCL("f.hcl", src)
		if err != nil {
			return
		}
		_, _, _ = build([]*node{n}, buildOptions{filesOnly: true})
	})
}

func FuzzLoadJSON(f *testing.F) {
	addSeeds(f, "testdata/web.json", "testdata/cluster.json")
	f.Add([]byte(`{"start_join_wan":"a","retry_max":-1,"reconnect_timeout":"1h","serf_lan":"x","rejoin_after_leave":"true"}`))
	f.Add([]byte(`{"services":[{"name":"a","port":1}],"dns_config":{"service_ttl":{"*":"5s"}}}`))
	f.Add([]byte(`{"watches":[{"type":"service","service":"w","tag":["a"],"passingonly":true,"handler":"cat"}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := parseJSON("f.json", src)
		if err != nil {
			return
		}
		_, _, _ = build([]*node{n}, buildOptions{filesOnly: true})
	})
}

func FuzzDecodeServiceJSON(f *testing.F) {
	f.Add([]byte(`{"Name":"web","Port":80,"Check":{"TTL":"10s"},"Connect":{"SidecarService":{}}}`))
	f.Add([]byte(`{"name":"web","checks":[{"http":"http://x/","interval":1000000000}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		def, err := DecodeServiceJSON(body)
		if err != nil {
			return
		}
		if def.Validate() == nil {
			def.ID = def.Name
			_, _ = SidecarService(def, func() (int, error) { return 21000, nil })
		}
	})
}
