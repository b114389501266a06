package server

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

func TestParsePeersJSON(t *testing.T) {
	voter := func(id, addr string) raft.Server {
		return raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(id), Address: raft.ServerAddress(addr)}
	}
	ok := []struct {
		name, in string
		want     []raft.Server
	}{
		{"one voter", `[{"id": "a", "address": "10.0.0.1:8300"}]`, []raft.Server{voter("a", "10.0.0.1:8300")}},
		{"voter and non-voter", "[\n {\"id\": \"a\", \"address\": \"10.0.0.1:8300\", \"non_voter\": false},\n" +
			" {\"id\": \"b\", \"address\": \"[::1]:8300\", \"non_voter\": true}\n]\n",
			[]raft.Server{voter("a", "10.0.0.1:8300"), {Suffrage: raft.Nonvoter, ID: "b", Address: "[::1]:8300"}}},
		{"host name", `[{"id":"a","address":"server-1.example:8300"}]`, []raft.Server{voter("a", "server-1.example:8300")}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			conf, err := parsePeersJSON([]byte(tc.in))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if fmt.Sprint(conf.Servers) != fmt.Sprint(tc.want) {
				t.Errorf("servers = %v, want %v", conf.Servers, tc.want)
			}
		})
	}

	bad := []struct{ name, in, want string }{
		{"empty file", " \n", "the file is empty"},
		{"object", `{"id": "a"}`, "line 1: want an array of servers"},
		{"empty array", `[]`, "no voter listed"},
		{"only non-voters", `[{"id":"a","address":"h:1","non_voter":true}]`, "no voter listed"},
		{"protocol 2 form", `["10.0.0.1:8300"]`, "line 1: server 1: a bare address is Raft protocol 2's form"},
		{"missing id", "[\n {\"id\": \"a\", \"address\": \"h:1\"},\n {\"address\": \"h:2\"}\n]", "line 3: server 2: id is missing"},
		{"missing address", `[{"id":"a"}]`, "server 1: address is missing"},
		{"no port", `[{"id":"a","address":"10.0.0.1"}]`, `address "10.0.0.1": want host:port`},
		{"port out of range", `[{"id":"a","address":"h:70000"}]`, "port from 1 to 65535"},
		{"no host", `[{"id":"a","address":":8300"}]`, "port from 1 to 65535"},
		{"duplicate id", `[{"id":"a","address":"h:1"},{"id":"a","address":"h:2"}]`, `server 2: id "a" is server 1's too`},
		{"duplicate address", `[{"id":"a","address":"h:1"},{"id":"b","address":"h:1"}]`, `server 2: address "h:1" is server 1's too`},
		{"unknown field", `[{"id":"a","address":"h:1","nonvoter":true}]`, `unknown field "nonvoter"`},
		{"wrong type", `[{"id":"a","address":"h:1","non_voter":"yes"}]`, "non_voter: want bool, found string"},
		{"syntax error", "[\n {\"id\": \"a\",\n  \"address\": \"h:1\"\n ]", "line 4: invalid character ']'"},
		{"unclosed", "[{\"id\":\"a\",\"address\":\"h:1\"}\n", "line 1: the file ends before the array does"},
		{"cut in a server", `[{"id":"a","addr`, "line 1: the file ends before the array does"},
		{"syntax error at a line's end", "[\n {\"id\": \"a\" \"address\": \"h:1\"}\n]", "line 2: invalid character '\"' after object key:value pair"},
		{"trailing data", `[{"id":"a","address":"h:1"}] []`, "data after the array"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parsePeersJSON([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzPeersJSON: whatever parsePeersJSON accepts is a configuration Raft
// can take (a voter; ids and addresses set, host:port and unique), and
// writing it back as peers.json reads the same.
func FuzzPeersJSON(f *testing.F) {
	f.Add([]byte(`[{"id":"a","address":"10.0.0.1:8300","non_voter":false},{"id":"b","address":"[::1]:1","non_voter":true}]`))
	f.Add([]byte(`["10.0.0.1:8300"]`))
	f.Add([]byte("[\n{\"id\":\"a\"}\n]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		conf, err := parsePeersJSON(data)
		if err != nil {
			return
		}
		voters, ids, addrs := 0, map[raft.ServerID]bool{}, map[raft.ServerAddress]bool{}
		entries := make([]peerEntry, 0, len(conf.Servers))
		for _, s := range conf.Servers {
			if _, _, err := net.SplitHostPort(string(s.Address)); err != nil || s.ID == "" || ids[s.ID] || addrs[s.Address] {
				t.Fatalf("accepted a bad server %+v in %q", s, data)
			}
			ids[s.ID], addrs[s.Address] = true, true
			if s.Suffrage == raft.Voter {
				voters++
			}
			entries = append(entries, peerEntry{ID: string(s.ID), Address: string(s.Address), NonVoter: s.Suffrage == raft.Nonvoter})
		}
		if voters == 0 {
			t.Fatalf("accepted %q without a voter", data)
		}
		again, err := json.Marshal(entries)
		if err != nil {
			t.Fatal(err)
		}
		conf2, err := parsePeersJSON(again)
		if err != nil || fmt.Sprint(conf2.Servers) != fmt.Sprint(conf.Servers) {
			t.Fatalf("%q written back as %s reads %v, %v; want %v", data, again, conf2.Servers, err, conf.Servers)
		}
	})
}

// writePeers writes a peers.json listing servers into a data dir.
func writePeers(t *testing.T, dataDir string, servers ...*Server) {
	t.Helper()
	var entries []peerEntry
	for _, s := range servers {
		entries = append(entries, peerEntry{ID: s.ID(), Address: s.Addr()})
	}
	b, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "raft", peersFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverPeersAfterLosingTheQuorum: two of three servers are gone for
// good. The survivor alone cannot elect itself; with a peers.json naming
// only itself it leads again, with every write the cluster acknowledged,
// takes new writes, and the file is gone.
func TestRecoverPeersAfterLosingTheQuorum(t *testing.T) {
	c := newTestClusterWith(t, 3, func(cfg *Config) { cfg.DataDir = t.TempDir() })
	leader := c.leader()
	for i := range 20 {
		mustKVApply(t, leader, kvReq(state.KVSet, fmt.Sprintf("k/%02d", i), state.KVEntry{Value: []byte("v")}))
	}
	survivor := c.followers()[0]
	waitFor(t, func() bool { return survivor.raft.AppliedIndex() >= leader.raft.LastIndex() })
	want := dumpState(t, survivor.Store())
	cfg := survivor.cfg
	cfg.RaftAddr = survivor.Addr()
	for _, s := range c.servers {
		if err := s.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}

	writePeers(t, cfg.DataDir, survivor)
	back, err := New(cfg)
	if err != nil {
		t.Fatalf("restart with peers.json: %v", err)
	}
	t.Cleanup(func() { back.Shutdown() })
	waitFor(t, back.IsLeader)
	if got := dumpState(t, back.Store()); got != want {
		t.Errorf("state after recovery:\n got %s\nwant %s", got, want)
	}
	mustKVApply(t, back, kvReq(state.KVSet, "after", state.KVEntry{Value: []byte("v")}))
	f := back.raft.GetConfiguration()
	if err := f.Error(); err != nil || len(f.Configuration().Servers) != 1 {
		t.Errorf("configuration after recovery = %+v, %v; want the survivor alone", f.Configuration(), err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "raft", peersFile)); !os.IsNotExist(err) {
		t.Errorf("peers.json after recovery: %v, want it deleted", err)
	}
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, "raft", peersInfoFile)); err != nil || !strings.Contains(string(b), "peers.json") {
		t.Errorf("peers.info = %q, %v", b, err)
	}
}

// TestRecoverPeersRefusesABadFile: a peers.json that does not parse, or
// leaves this server out, stops the start with the file's name and the
// fault, and changes nothing: mended, the server starts with its data.
func TestRecoverPeersRefusesABadFile(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	s := startServer(t, cfg)
	mustKVApply(t, s, kvReq(state.KVSet, "kept", state.KVEntry{Value: []byte("v")}))
	want := dumpState(t, s.Store())
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg.DataDir, "raft", peersFile)
	for _, tc := range []struct{ name, body, want string }{
		{"no id", "[\n  {\"address\": \"127.0.0.1:8300\"}\n]", "line 2: server 1: id is missing"},
		{"without this server", `[{"id": "someone-else", "address": "127.0.0.1:8300"}]`, "is not listed"},
	} {
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		bad, err := New(cfg)
		if err == nil {
			bad.Shutdown()
			t.Fatalf("%s: the server started", tc.name)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want the path and %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: peers.json after the refusal: %v", tc.name, err)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, cfg)
	if got := dumpState(t, again.Store()); got != want {
		t.Errorf("state after the refused recoveries:\n got %s\nwant %s", got, want)
	}
}

// TestRecoverPeersNeedsState: a peers.json in a server's empty data dir is
// an operator's mistake (the wrong directory); the start fails and says so.
func TestRecoverPeersNeedsState(t *testing.T) {
	cfg := testConfig(t)
	cfg.DataDir = t.TempDir()
	path := filepath.Join(cfg.DataDir, "raft", peersFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`[{"id": %q, "address": "127.0.0.1:8300"}]`, cfg.NodeName) // NodeID defaults to it
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err == nil {
		s.Shutdown()
		t.Fatal("a server with no state started from peers.json")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no initial state") {
		t.Errorf("error = %v, want the path and Raft's refusal", err)
	}
}
