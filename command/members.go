package command

import (
	"flag"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const membersHelp = `
Usage: pylon members [options]

  Lists the members of the gossip pool the agent knows about, with their
  state. Exits 2 when no member matches -status.
`

func runMembers(u *ui, args []string) int {
	fs := flag.NewFlagSet("members", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	detailed := fs.Bool("detailed", false, "Show every gossip tag of each member.")
	status := fs.String("status", ".*", "Show only members whose status matches this `regexp`.")
	wan := fs.Bool("wan", false, "List the WAN pool (servers of every datacenter) instead of the LAN pool.")
	segment := fs.String("segment", "", "List members of this network `segment` (Enterprise).")
	filter := fs.String("filter", "", "Filter `expression` over the members.")
	if done, code := parseFlags(u, fs, args, membersHelp); done {
		return code
	}
	re, err := regexp.Compile(*status)
	if err != nil {
		u.error("Failed to compile status regexp: %v", err)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	members, err := client.Agent().MembersOpts(api.MembersOpts{WAN: *wan, Segment: *segment, Filter: *filter})
	if err != nil {
		u.error("Error retrieving members: %v", err)
		return 1
	}
	members = filterMembers(members, re)
	if len(members) == 0 {
		return 2
	}
	sortMembers(members)
	if *detailed {
		writeTable(u.out, detailedMemberRows(members))
	} else {
		writeTable(u.out, memberRows(members))
	}
	return 0
}

func filterMembers(members []*api.AgentMember, re *regexp.Regexp) []*api.AgentMember {
	var out []*api.AgentMember
	for _, m := range members {
		if re.MatchString(memberStatus(m.Status)) {
			out = append(out, m)
		}
	}
	return out
}

// sortMembers orders by partition (default first), segment, then name.
func sortMembers(members []*api.AgentMember) {
	sort.SliceStable(members, func(i, j int) bool {
		a, b := members[i], members[j]
		if pa, pb := memberPartition(a), memberPartition(b); pa != pb {
			return pa == "default" || (pb != "default" && pa < pb)
		}
		if sa, sb := memberSegment(a), memberSegment(b); sa != sb {
			return sa < sb
		}
		return a.Name < b.Name
	})
}

func memberRows(members []*api.AgentMember) [][]string {
	rows := [][]string{{"Node", "Address", "Status", "Type", "Build", "Protocol", "DC", "Partition", "Segment"}}
	for _, m := range members {
		typ := "client"
		if m.IsConsulServer() {
			typ = "server"
		}
		build, _, _ := strings.Cut(m.Tags[api.MemberTagKeyBuild], ":")
		rows = append(rows, []string{
			m.Name, memberAddr(m), memberStatus(m.Status), typ, build,
			m.Tags[api.MemberTagKeyVersion], m.Tags[api.MemberTagKeyDatacenter], memberPartition(m), memberSegment(m),
		})
	}
	return rows
}

func detailedMemberRows(members []*api.AgentMember) [][]string {
	rows := [][]string{{"Node", "Address", "Status", "Tags"}}
	for _, m := range members {
		rows = append(rows, []string{m.Name, memberAddr(m), memberStatus(m.Status), joinPairs(m.Tags, ",")})
	}
	return rows
}

func memberAddr(m *api.AgentMember) string {
	return net.JoinHostPort(m.Addr, strconv.Itoa(int(m.Port)))
}

// memberStatus names a gossip status code.
func memberStatus(s int) string {
	switch s {
	case 0:
		return "none"
	case 1:
		return "alive"
	case 2:
		return "leaving"
	case 3:
		return "left"
	case 4:
		return "failed"
	}
	return "unknown"
}

func memberPartition(m *api.AgentMember) string {
	if p := m.Tags[api.MemberTagKeyPartition]; p != "" {
		return p
	}
	return "default"
}

// memberSegment is "<all>" for servers, which serve every segment, and
// "<default>" for a client in the default segment.
func memberSegment(m *api.AgentMember) string {
	if m.IsConsulServer() {
		return "<all>"
	}
	if s := m.Tags[api.MemberTagKeySegment]; s != "" {
		return s
	}
	return "<default>"
}
