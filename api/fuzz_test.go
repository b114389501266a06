package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// FuzzParseQueryMeta feeds arbitrary header values to the metadata parser:
// it must never panic, and a parsed index must echo the header.
func FuzzParseQueryMeta(f *testing.F) {
	f.Add("12", "0", "true", "HIT", "30")
	f.Add("", "", "", "", "")
	f.Add("x", "-1", "yes", "miss", "99999999999999999999")
	f.Fuzz(func(t *testing.T, index, lastContact, leader, cache, age string) {
		h := http.Header{}
		h.Set("X-Consul-Index", index)
		h.Set("X-Consul-LastContact", lastContact)
		h.Set("X-Consul-KnownLeader", leader)
		h.Set("X-Cache", cache)
		h.Set("Age", age)
		var qm QueryMeta
		if err := parseQueryMeta(h, &qm); err != nil {
			return
		}
		if qm.LastContact < 0 || qm.CacheAge < 0 {
			t.Fatalf("negative duration from %q/%q: %+v", lastContact, age, qm)
		}
		if qm.KnownLeader != (leader == "true") {
			t.Fatalf("KnownLeader %v from %q", qm.KnownLeader, leader)
		}
	})
}

// FuzzHealthCheckDefinition decodes arbitrary JSON into a definition; what
// decodes must survive an encode/decode round trip unchanged.
func FuzzHealthCheckDefinition(f *testing.F) {
	f.Add([]byte(`{"HTTP":"http://x","Interval":"10s","Timeout":"1s","DeregisterCriticalServiceAfter":"1m"}`))
	f.Add([]byte(`{"IntervalDuration":1000000000,"TimeoutDuration":"2s"}`))
	f.Add([]byte(`{"Interval":5e9,"Header":{"a":["b"]}}`))
	f.Add([]byte(`{"Interval":"bogus"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d HealthCheckDefinition
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back HealthCheckDefinition
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		if effective(d.IntervalDuration, d.Interval) != back.IntervalDuration ||
			effective(d.TimeoutDuration, d.Timeout) != back.TimeoutDuration {
			t.Fatalf("durations changed: %+v -> %+v", d, back)
		}
	})
}

func effective(exact time.Duration, readable ReadableDuration) time.Duration {
	if exact != 0 {
		return exact
	}
	return time.Duration(readable)
}

// FuzzReadableDuration checks that any decodable duration encodes to a
// string that decodes to the same value.
func FuzzReadableDuration(f *testing.F) {
	for _, s := range []string{`"10s"`, `"1h2m3.5s"`, `1000`, `""`, `null`, `"-5ms"`, `1e30`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d ReadableDuration
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back ReadableDuration
		if err := json.Unmarshal(out, &back); err != nil || back != d {
			t.Fatalf("%s -> %s -> %v (%v)", b, out, back, err)
		}
	})
}

// FuzzAddress checks that NewClient accepts or rejects any address without
// panicking, and keeps the scheme it was given.
func FuzzAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8500", "http://h:1", "https://h/p/", "unix:///tmp/s", "ftp://x", "://", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		c, err := NewClient(&Config{Address: addr, HttpClient: http.DefaultClient})
		if err != nil {
			return
		}
		if s := c.Config().Scheme; s != "http" && s != "https" {
			t.Fatalf("scheme %q from %q", s, addr)
		}
	})
}
