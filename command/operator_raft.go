package command

import (
	"flag"
	"strconv"

	"github.com/pylonmesh/pylon/api"
)

// operatorCommands manage the servers' Raft peers and autopilot.
func operatorCommands() []command {
	return []command{
		{"operator", "Provides cluster-level tools for Pylon operators", nil},
		{"operator autopilot", "Provides tools for modifying Autopilot configuration", nil},
		{"operator autopilot get-config", "Display the current Autopilot configuration", runAutopilotGetConfig},
		{"operator autopilot set-config", "Modify the current Autopilot configuration", runAutopilotSetConfig},
		{"operator autopilot state", "Display the current Autopilot state", runAutopilotState},
		{"operator raft", "Provides cluster-level tools for Pylon operators", nil},
		{"operator raft list-peers", "Display the current Raft peer configuration", runRaftListPeers},
		{"operator raft remove-peer", "Remove a Pylon server from the Raft configuration", runRaftRemovePeer},
		{"operator raft transfer-leader", "Transfer Raft leadership to another Pylon server", runRaftTransferLeader},
	}
}

const raftListPeersHelp = `
Usage: pylon operator raft list-peers [options]

  Displays the current Raft peer configuration: every server with its
  node name, Raft ID, address, state (leader or follower), whether it
  votes, and its Raft protocol version. Needs operator:read.
`

func runRaftListPeers(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator raft list-peers", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, raftListPeersHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	conf, err := client.Operator().RaftGetConfiguration(h.queryOptions())
	if err != nil {
		u.error("Error getting peers: %v", err)
		return 1
	}
	writeTable(u.out, peerRows(conf))
	return 0
}

// peerRows is Consul's list-peers table.
func peerRows(conf *api.RaftConfiguration) [][]string {
	rows := [][]string{{"Node", "ID", "Address", "State", "Voter", "RaftProtocol"}}
	for _, s := range conf.Servers {
		state := "follower"
		if s.Leader {
			state = "leader"
		}
		proto := s.ProtocolVersion
		if proto == "" {
			proto = "<=1"
		}
		node := s.Node
		if node == "" {
			node = "(unknown)"
		}
		rows = append(rows, []string{node, s.ID, s.Address, state, strconv.FormatBool(s.Voter), proto})
	}
	return rows
}

const raftRemovePeerHelp = `
Usage: pylon operator raft remove-peer [options] -id=ID|-address=IP:port

  Removes a server from the Raft configuration, by its Raft ID or its
  address. Use it for a server that failed and will not come back;
  autopilot does this by itself when cleanup_dead_servers is on. Needs
  operator:write.
`

func runRaftRemovePeer(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator raft remove-peer", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	id := fs.String("id", "", "The Raft `ID` of the server to remove.")
	addr := fs.String("address", "", "The `IP:port` of the server to remove.")
	if done, code := parseFlags(u, fs, args, raftRemovePeerHelp); done {
		return code
	}
	if (*id == "") == (*addr == "") {
		u.error("Exactly one of -id or -address is required")
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if *id != "" {
		if err := client.Operator().RaftRemovePeerByID(*id, nil); err != nil {
			u.error("Error removing peer: %v", err)
			return 1
		}
		u.output("Removed peer with id %q", *id)
		return 0
	}
	if err := client.Operator().RaftRemovePeerByAddress(*addr, nil); err != nil {
		u.error("Error removing peer: %v", err)
		return 1
	}
	u.output("Removed peer with address %q", *addr)
	return 0
}

const raftTransferLeaderHelp = `
Usage: pylon operator raft transfer-leader [options]

  Makes another server the Raft leader: the one with the given -id, or
  the most up-to-date voter. Needs operator:write.
`

func runRaftTransferLeader(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator raft transfer-leader", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	id := fs.String("id", "", "The Raft `ID` of the server to hand leadership to.")
	if done, code := parseFlags(u, fs, args, raftTransferLeaderHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	resp, err := client.Operator().RaftLeaderTransfer(*id, nil)
	if err != nil {
		u.error("Error transferring leadership: %v", err)
		return 1
	}
	if !resp.Success {
		u.error("Error transferring leadership: the server did not confirm it")
		return 1
	}
	u.output("Success")
	return 0
}
