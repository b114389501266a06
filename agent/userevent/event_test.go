package userevent

import (
	"strings"
	"testing"

	consulapi "github.com/hashicorp/consul/api"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		ev   Event
		want string // substring of the error; "" for none
	}{
		{"ok", Event{Name: "deploy", Payload: []byte("v2")}, ""},
		{"no name", Event{}, "missing name"},
		{"tag without service", Event{Name: "e", TagFilter: "v1"}, "tag filter without service filter"},
		{"bad node regexp", Event{Name: "e", NodeFilter: "("}, "node filter"},
		{"bad service regexp", Event{Name: "e", ServiceFilter: "[a"}, "service filter"},
		{"too large", Event{Name: "e", Payload: make([]byte, SizeLimit)}, "exceeds the 512-byte limit"},
		{"exactly the limit", Event{Name: "e", Payload: make([]byte, SizeLimit-1)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ev.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

type services map[string][]string

func (s services) EachService(fn func(string, []string) bool) {
	for name, tags := range s {
		if fn(name, tags) {
			return
		}
	}
}

func TestFor(t *testing.T) {
	local := services{"web": {"v1", "prod"}, "db": nil}
	cases := []struct {
		name string
		ev   Event
		want bool
	}{
		{"no filters", Event{}, true},
		{"node matches", Event{NodeFilter: "^node-"}, true},
		{"node does not match", Event{NodeFilter: "^other$"}, false},
		{"service matches", Event{ServiceFilter: "we"}, true},
		{"service absent", Event{ServiceFilter: "^cache$"}, false},
		{"tag matches", Event{ServiceFilter: "web", TagFilter: "^prod$"}, true},
		{"tag absent", Event{ServiceFilter: "web", TagFilter: "^v2$"}, false},
		{"tag on another service", Event{ServiceFilter: "db", TagFilter: "prod"}, false},
		{"bad regexp matches nothing", Event{NodeFilter: "("}, false},
	}
	for _, tc := range cases {
		if got := tc.ev.For("node-1", local); got != tc.want {
			t.Errorf("%s: For = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestIDToIndexMatchesConsulClient holds the fold to the official client's,
// since clients compute the index they block on themselves.
func TestIDToIndexMatchesConsulClient(t *testing.T) {
	c, err := consulapi.NewClient(consulapi.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{
		"b54fe110-7af5-cafc-d1fb-afc8ba432b1c",
		"00000000-0000-0000-0000-000000000001",
		"ffffffff-ffff-ffff-0000-000000000000",
	} {
		if got, want := IDToIndex(id), c.Event().IDToIndex(id); got != want {
			t.Errorf("IDToIndex(%s) = %d, Consul's client says %d", id, got, want)
		}
	}
	if got := IDToIndex("not-a-uuid"); got != 0 {
		t.Errorf("IDToIndex(not-a-uuid) = %d, want 0", got)
	}
}
