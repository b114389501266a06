package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// When a quorum of servers is lost for good, Raft cannot elect a leader
// and no configuration change can be committed, so the cluster cannot
// shrink to the servers that are left. Consul's way out, which operators
// know, is a peers.json file in each surviving server's raft directory:
// at start the server replaces its Raft configuration with the servers
// listed there, and deletes the file. The servers' logs and snapshots are
// kept; only the membership changes.

const (
	peersFile     = "peers.json"
	peersInfoFile = "peers.info"
)

// peersInfo is written next to the Raft data so an operator in an outage
// finds how recovery works where the file must go.
const peersInfo = `This directory holds this server's Raft state.

If a quorum of servers is lost for good, the servers left cannot elect a
leader. To recover, stop every surviving server, write a file named
peers.json in this directory on each of them listing the surviving
servers, and start them again:

  [
    {"id": "<the server's node id>", "address": "<host>:<server port>", "non_voter": false}
  ]

A server's node id is in the node-id file of its data directory. Each
server reads peers.json at start, takes it as its Raft configuration and
deletes it. Use it only when the lost servers cannot come back: writes
that only they had received are gone.
`

// recoverPeers replaces the Raft configuration in the stores with the one
// in <data-dir>/raft/peers.json, when that file exists, and deletes the
// file. A file that does not parse stops the server with the file's name
// and what is wrong, and is left in place; the stores are not touched.
func (s *Server) recoverPeers(rc *raft.Config, logger *slog.Logger) error {
	if s.cfg.DataDir == "" {
		return nil
	}
	dir := filepath.Join(s.cfg.DataDir, "raft")
	if _, err := os.Stat(filepath.Join(dir, peersInfoFile)); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(filepath.Join(dir, peersInfoFile), []byte(peersInfo), 0o600); err != nil {
			logger.Warn("write raft recovery notes", "error", err)
		}
	}
	path := filepath.Join(dir, peersFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	conf, err := parsePeersJSON(data)
	if err == nil {
		err = hasServer(conf, rc.LocalID)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	logger.Warn("recovering the raft configuration from peers.json", "path", path, "servers", len(conf.Servers))
	scratch, err := state.New()
	if err != nil {
		return err
	}
	if err := raft.RecoverCluster(rc, fsm.New(scratch, nil), s.stores.logs, s.stores.stable, s.stores.snaps, s.trans, conf); err != nil {
		return fmt.Errorf("recover the raft configuration from %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("recovered from %s, but cannot delete it: %w", path, err)
	}
	logger.Warn("recovered the raft configuration and deleted peers.json", "path", path)
	return nil
}

// hasServer refuses a configuration without this server: it would start
// as nobody's voter, which is never what an operator recovering it wants.
func hasServer(conf raft.Configuration, id raft.ServerID) error {
	for _, s := range conf.Servers {
		if s.ID == id {
			return nil
		}
	}
	return fmt.Errorf("this server (id %q) is not listed; its id is in the data directory's node-id file", id)
}

// peerEntry is one server of peers.json (Raft protocol 3's form).
type peerEntry struct {
	ID       string `json:"id"`
	Address  string `json:"address"`
	NonVoter bool   `json:"non_voter"`
}

// parsePeersJSON reads a peers.json file: an array of servers, each with an
// id, an address (host:port) and optionally non_voter. Errors give the
// line and the server at fault.
func parsePeersJSON(data []byte) (raft.Configuration, error) {
	var conf raft.Configuration
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil {
		return conf, jsonError(data, dec, err)
	} else if tok != json.Delim('[') {
		return conf, fmt.Errorf("line %d: want an array of servers, found %v", lineAt(data, 0), tok)
	}
	ids, addrs := map[raft.ServerID]int{}, map[raft.ServerAddress]int{}
	for n := 1; dec.More(); n++ {
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return conf, jsonError(data, dec, err)
		}
		srv, err := parsePeer(raw)
		if err == nil {
			err = unique(srv, ids, addrs, n)
		}
		if err != nil {
			return conf, fmt.Errorf("line %d: server %d: %w", line, n, err)
		}
		conf.Servers = append(conf.Servers, srv)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return conf, jsonError(data, dec, err)
	}
	if _, err := dec.Token(); err == nil {
		return conf, fmt.Errorf("line %d: data after the array", lineAt(data, dec.InputOffset()))
	}
	for _, s := range conf.Servers {
		if s.Suffrage == raft.Voter {
			return conf, nil
		}
	}
	return conf, errors.New("no voter listed: a cluster needs at least one server without non_voter")
}

// parsePeer reads and checks one server of the array.
func parsePeer(raw json.RawMessage) (raft.Server, error) {
	if len(raw) > 0 && raw[0] == '"' {
		return raft.Server{}, errors.New(`a bare address is Raft protocol 2's form; give {"id": ..., "address": ...}`)
	}
	var e peerEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return raft.Server{}, fmt.Errorf("%s: want %s, found %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return raft.Server{}, err
	}
	if e.ID == "" {
		return raft.Server{}, errors.New("id is missing")
	}
	if err := checkPeerAddress(e.Address); err != nil {
		return raft.Server{}, err
	}
	s := raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(e.ID), Address: raft.ServerAddress(e.Address)}
	if e.NonVoter {
		s.Suffrage = raft.Nonvoter
	}
	return s, nil
}

func checkPeerAddress(addr string) error {
	if addr == "" {
		return errors.New("address is missing")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: want host:port", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return fmt.Errorf("address %q: want host:port with a port from 1 to 65535", addr)
	}
	return nil
}

// unique records srv, refusing an id or address an earlier server has.
func unique(srv raft.Server, ids map[raft.ServerID]int, addrs map[raft.ServerAddress]int, n int) error {
	if m, ok := ids[srv.ID]; ok {
		return fmt.Errorf("id %q is server %d's too", srv.ID, m)
	}
	if m, ok := addrs[srv.Address]; ok {
		return fmt.Errorf("address %q is server %d's too", srv.Address, m)
	}
	ids[srv.ID], addrs[srv.Address] = n, n
	return nil
}

// jsonError gives a JSON error the line it happened at.
func jsonError(data []byte, dec *json.Decoder, err error) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("the file is empty; want an array of servers")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		last := int64(len(bytes.TrimRight(data, " \t\r\n"))) // the last line with something on it
		return fmt.Errorf("line %d: the file ends before the array does", lineOf(data, last))
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		// A Decoder's offsets depend on how much it had buffered; a
		// whole-file Unmarshal finds the same fault at an exact offset,
		// just past the byte at fault.
		var v any
		if errors.As(json.Unmarshal(data, &v), &syntax) {
			return fmt.Errorf("line %d: %w", lineOf(data, syntax.Offset-1), syntax)
		}
	}
	return fmt.Errorf("line %d: %w", lineAt(data, dec.InputOffset()), err)
}

// lineAt returns the line of the first byte at or after off that is not
// white space or a comma: where the next value starts.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return lineOf(data, off)
}

// lineOf returns the 1-based line of the byte at off.
func lineOf(data []byte, off int64) int {
	return 1 + bytes.Count(data[:min(max(off, 0), int64(len(data)))], []byte("\n"))
}
