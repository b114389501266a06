package gossip

import (
	"reflect"
	"testing"
)

func TestTagsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		tags Tags
		want map[string]string
	}{
		{"empty", Tags{}, map[string]string{}},
		{"client", Tags{Role: RoleClient, Datacenter: "dc1", ID: "id-1", Build: "0.1.0", Vsn: 2, VsnMin: 2, VsnMax: 3},
			map[string]string{"role": "node", "dc": "dc1", "id": "id-1", "build": "0.1.0", "vsn": "2", "vsn_min": "2", "vsn_max": "3"}},
		{"server", Tags{Role: RoleServer, Datacenter: "dc2", ServerPort: 8300, RaftVsn: 3, Expect: 3, Bootstrap: true, WANJoinPort: 8302, Segment: "s1"},
			map[string]string{"role": "consul", "dc": "dc2", "port": "8300", "raft_vsn": "3", "expect": "3", "bootstrap": "1", "wan_join_port": "8302", "segment": "s1"}},
		{"extra", Tags{Role: RoleClient, Extra: map[string]string{"zone": "a"}}, map[string]string{"role": "node", "zone": "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.tags.Map()
			if !reflect.DeepEqual(m, tc.want) {
				t.Fatalf("Map() = %v, want %v", m, tc.want)
			}
			back, err := ParseTags(m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.tags) {
				t.Fatalf("ParseTags = %+v, want %+v", back, tc.tags)
			}
		})
	}
}

func TestExtraNeverOverridesNamedTags(t *testing.T) {
	m := Tags{Role: RoleServer, Extra: map[string]string{"role": "node", "port": "1", "bootstrap": "1"}}.Map()
	if want := map[string]string{"role": "consul"}; !reflect.DeepEqual(m, want) {
		t.Fatalf("Map() = %v, want %v", m, want)
	}
}

func TestParseTagsRejectsBadValues(t *testing.T) {
	for _, m := range []map[string]string{
		{"port": "x"}, {"port": "-1"}, {"expect": "3.0"}, {"bootstrap": "true"},
	} {
		if _, err := ParseTags(m); err == nil {
			t.Errorf("ParseTags(%v) accepted", m)
		}
	}
}

func FuzzParseTags(f *testing.F) {
	f.Add("port", "8300", "role", "consul")
	f.Add("bootstrap", "1", "expect", "x")
	f.Add("zone", "a", "vsn", "-2")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		tags, err := ParseTags(map[string]string{k1: v1, k2: v2})
		if err != nil {
			return
		}
		back, err := ParseTags(tags.Map())
		if err != nil {
			t.Fatalf("reparse of %v: %v", tags.Map(), err)
		}
		if !reflect.DeepEqual(back.Map(), tags.Map()) {
			t.Fatalf("round trip %v != %v", back.Map(), tags.Map())
		}
	})
}
