package gossip

import (
	"errors"
	"strings"
	"testing"
)

func TestJoinMakesEveryMemberAlive(t *testing.T) {
	pools := newCluster(t, 4, nil)
	for _, p := range pools {
		// newCluster waited for every member to be alive everywhere.
		for _, m := range p.Members() {
			if m.Addr.String() != "127.0.0.1" || m.Port == 0 || m.ProtocolCur == 0 || m.DelegateCur == 0 {
				t.Errorf("%s sees %s at %s:%d protocol %d/%d", p.LocalMember().Name, m.Name, m.Addr, m.Port, m.ProtocolCur, m.DelegateCur)
			}
			if tags, err := m.ParsedTags(); err != nil || tags.Role != RoleClient || tags.Datacenter != "dc1" {
				t.Errorf("%s tags = %+v, %v", m.Name, tags, err)
			}
		}
	}
	// Each pool saw a join event for each of the others.
	for _, p := range pools {
		name := p.LocalMember().Name
		waitFor(t, func() bool {
			seen := map[string]bool{}
			p.events.count(func(e Event) bool {
				if e.Type == EventMemberJoin {
					for _, m := range e.Members {
						seen[m.Name] = true
					}
				}
				return false
			})
			return len(seen) == len(pools)
		}, "%s gets a join event for every member", name)
	}
}

func TestLeaveMarksTheMemberLeft(t *testing.T) {
	pools := newCluster(t, 3, nil)
	if err := pools[2].Leave(); err != nil {
		t.Fatal(err)
	}
	if err := pools[2].Shutdown(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools[:2] {
		waitFor(t, func() bool { return statusOf(p.Pool, "node2") == StatusLeft }, "%s sees node2 left", p.LocalMember().Name)
		waitFor(t, func() bool {
			return p.events.count(func(e Event) bool { return e.Type == EventMemberLeave && e.Members[0].Name == "node2" }) == 1
		}, "leave event")
		waitFor(t, func() bool { return p.NumMembers() == 2 }, "%s counts 2 members", p.name)
	}
}

func TestShutdownMarksTheMemberFailedAndForceLeavePrunes(t *testing.T) {
	pools := newCluster(t, 3, nil)
	if err := pools[2].Shutdown(); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools[:2] {
		waitFor(t, func() bool { return statusOf(p.Pool, "node2") == StatusFailed }, "%s sees node2 failed", p.LocalMember().Name)
	}
	if err := pools[0].ForceLeave("node2", true); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools[:2] {
		waitFor(t, func() bool { return statusOf(p.Pool, "node2") == StatusNone }, "%s forgets node2", p.LocalMember().Name)
	}
}

func TestForceLeaveWithoutPruneMarksLeft(t *testing.T) {
	pools := newCluster(t, 3, nil)
	_ = pools[2].Shutdown()
	waitFor(t, func() bool { return statusOf(pools[0].Pool, "node2") == StatusFailed }, "node2 failed")
	if err := pools[0].ForceLeave("node2", false); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools[:2] {
		waitFor(t, func() bool { return statusOf(p.Pool, "node2") == StatusLeft }, "%s sees node2 left", p.LocalMember().Name)
	}
}

func TestTagsAreVisibleAndUpdate(t *testing.T) {
	pools := newCluster(t, 3, func(c *Config) {
		if c.NodeName == "node0" {
			c.Tags = Tags{Role: RoleServer, Datacenter: "dc1", ServerPort: 8300, RaftVsn: 3, Expect: 3, ID: "0b2f3c44-6a71-4b38-9a9e-1c2d3e4f5a6b"}
		}
	})
	tagsOf := func(p *Pool, name string) Tags {
		for _, m := range p.Members() {
			if m.Name == name {
				tags, err := m.ParsedTags()
				if err != nil {
					t.Fatalf("tags of %s: %v", name, err)
				}
				return tags
			}
		}
		return Tags{}
	}
	for _, p := range pools {
		if got := tagsOf(p.Pool, "node0"); got.Role != RoleServer || got.ServerPort != 8300 || got.Expect != 3 || got.RaftVsn != 3 {
			t.Errorf("%s sees node0 tags %+v", p.LocalMember().Name, got)
		}
	}
	next := Tags{Role: RoleServer, Datacenter: "dc1", ServerPort: 8300, RaftVsn: 3, Build: "0.1.0", Extra: map[string]string{"zone": "a"}}
	if err := pools[0].SetTags(next); err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		waitFor(t, func() bool {
			got := tagsOf(p.Pool, "node0")
			return got.Build == "0.1.0" && got.Extra["zone"] == "a" && got.Expect == 0
		}, "%s sees node0's new tags", p.LocalMember().Name)
	}
	// An update event, or a join if a loaded machine briefly saw node0 as
	// failed, carries the new tags.
	for _, p := range pools[1:] {
		waitFor(t, func() bool {
			return p.events.count(func(e Event) bool {
				return (e.Type == EventMemberUpdate || e.Type == EventMemberJoin) &&
					e.Members[0].Name == "node0" && e.Members[0].Tags["build"] == "0.1.0"
			}) >= 1
		}, "%s gets an update event", p.name)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no name", func(c *Config) { c.NodeName = "" }, "node name"},
		{"bad bind", func(c *Config) { c.BindAddr = "localhost" }, "not an IP"},
		{"bad advertise", func(c *Config) { c.AdvertiseAddr = "1.2.3" }, "not an IP"},
		{"bad port", func(c *Config) { c.BindPort = 70000 }, "out of range"},
		{"bad key", func(c *Config) { c.EncryptKey = "c2hvcnQ=" }, "invalid encryption key"},
		{"rejoin without dir", func(c *Config) { c.RejoinAfterLeave = true }, "data dir"},
		{"tags too long", func(c *Config) { c.Tags.Extra = map[string]string{"x": strings.Repeat("y", 600)} }, "tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultLANConfig().Fast()
			cfg.NodeName = "n"
			tc.edit(&cfg)
			p, err := New(cfg)
			if err == nil {
				_ = p.Shutdown()
				t.Fatal("New accepted the config")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			if tc.name == "bad key" && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error %v is not ErrInvalidKey", err)
			}
		})
	}
}

func TestShutdownTwiceIsSafe(t *testing.T) {
	p := newPool(t, "solo", nil)
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartRejoinsFromTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	edit := func(c *Config) { c.DataDir, c.BindPort = dir, port }
	seed := newPool(t, "seed", nil)
	first := newPool(t, "restarter", edit)
	if _, err := first.Join([]string{seed.addr()}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return seed.NumMembers() == 2 }, "seed sees the restarter")
	if err := first.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return statusOf(seed.Pool, "restarter") == StatusFailed }, "restarter failed")
	// No Join: the snapshot under the data dir brings it back.
	again := newPool(t, "restarter", edit)
	waitFor(t, func() bool { return again.NumMembers() == 2 }, "restarter rejoins")
	waitFor(t, func() bool { return statusOf(seed.Pool, "restarter") == StatusAlive }, "seed sees it alive")
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{StatusNone: "none", StatusAlive: "alive", StatusLeaving: "leaving", StatusLeft: "left", StatusFailed: "failed"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
}
