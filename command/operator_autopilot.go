package command

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pylonmesh/pylon/api"
)

const autopilotGetConfigHelp = `
Usage: pylon operator autopilot get-config [options]

  Displays the current Autopilot configuration. Needs operator:read.
`

func runAutopilotGetConfig(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator autopilot get-config", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, autopilotGetConfigHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	c, err := client.Operator().AutopilotGetConfiguration(h.queryOptions())
	if err != nil {
		u.error("Error querying Autopilot configuration: %v", err)
		return 1
	}
	u.output("CleanupDeadServers = %v", c.CleanupDeadServers)
	u.output("LastContactThreshold = %s", c.LastContactThreshold.String())
	u.output("MaxTrailingLogs = %d", c.MaxTrailingLogs)
	u.output("MinQuorum = %d", c.MinQuorum)
	u.output("ServerStabilizationTime = %s", c.ServerStabilizationTime.String())
	u.output("RedundancyZoneTag = %q", c.RedundancyZoneTag)
	u.output("DisableUpgradeMigration = %v", c.DisableUpgradeMigration)
	u.output("UpgradeVersionTag = %q", c.UpgradeVersionTag)
	return 0
}

const autopilotSetConfigHelp = `
Usage: pylon operator autopilot set-config [options]

  Modifies the current Autopilot configuration: the flags given replace
  their settings, the others keep theirs. The write is a check-and-set
  on the configuration just read, so concurrent changes are not lost.
  Needs operator:write.
`

func runAutopilotSetConfig(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator autopilot set-config", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	cleanup := fs.Bool("cleanup-dead-servers", false, "Remove failed servers from Raft while a quorum remains.")
	lastContact := fs.Duration("last-contact-threshold", 0, "Longest a server may go without leader contact and stay healthy.")
	maxTrailing := fs.Uint64("max-trailing-logs", 0, "Most log entries a server may be behind and stay healthy.")
	minQuorum := fs.Uint("min-quorum", 0, "Fewest voters dead-server cleanup leaves.")
	stabilization := fs.Duration("server-stabilization-time", 0, "How long a new server must be healthy before it votes.")
	zoneTag := fs.String("redundancy-zone-tag", "", "Enterprise: the node meta key of redundancy zones.")
	noMigration := fs.Bool("disable-upgrade-migration", false, "Enterprise: turn off upgrade migrations.")
	versionTag := fs.String("upgrade-version-tag", "", "Enterprise: the node meta key of the version.")
	if done, code := parseFlags(u, fs, args, autopilotSetConfigHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	op := client.Operator()
	c, err := op.AutopilotGetConfiguration(nil)
	if err != nil {
		u.error("Error querying Autopilot configuration: %v", err)
		return 1
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "cleanup-dead-servers":
			c.CleanupDeadServers = *cleanup
		case "last-contact-threshold":
			c.LastContactThreshold = api.NewReadableDuration(*lastContact)
		case "max-trailing-logs":
			c.MaxTrailingLogs = *maxTrailing
		case "min-quorum":
			c.MinQuorum = *minQuorum
		case "server-stabilization-time":
			c.ServerStabilizationTime = api.NewReadableDuration(*stabilization)
		case "redundancy-zone-tag":
			c.RedundancyZoneTag = *zoneTag
		case "disable-upgrade-migration":
			c.DisableUpgradeMigration = *noMigration
		case "upgrade-version-tag":
			c.UpgradeVersionTag = *versionTag
		}
	})
	ok, err := op.AutopilotCASConfiguration(c, nil)
	if err != nil {
		u.error("Error setting Autopilot configuration: %v", err)
		return 1
	}
	if !ok {
		u.output("Configuration could not be atomically updated, please try again")
		return 1
	}
	u.output("Configuration updated!")
	return 0
}

const autopilotStateHelp = `
Usage: pylon operator autopilot state [options]

  Displays autopilot's view of the servers: the cluster's health and
  failure tolerance, the leader, the voters, and each server's health.
  Needs operator:read.
`

func runAutopilotState(u *ui, args []string) int {
	fs := flag.NewFlagSet("operator autopilot state", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	format := fs.String("format", "pretty", "Output `format`: pretty or json.")
	if done, code := parseFlags(u, fs, args, autopilotStateHelp); done {
		return code
	}
	if *format != "pretty" && *format != "json" {
		u.error("Invalid format %q: use pretty or json", *format)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	st, err := client.Operator().AutopilotState(h.queryOptions())
	if err != nil {
		u.error("Error querying Autopilot state: %v", err)
		return 1
	}
	if *format == "json" {
		b, err := json.MarshalIndent(st, "", "   ")
		if err != nil {
			u.error("Error encoding the state: %v", err)
			return 1
		}
		u.output("%s", b)
		return 0
	}
	u.output("%s", prettyAutopilotState(st))
	return 0
}

// prettyAutopilotState renders the state as Consul's CLI does.
func prettyAutopilotState(st *api.AutopilotState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Healthy:                      %v\n", st.Healthy)
	fmt.Fprintf(&b, "Failure Tolerance:            %d\n", st.FailureTolerance)
	fmt.Fprintf(&b, "Optimistic Failure Tolerance: %d\n", st.OptimisticFailureTolerance)
	fmt.Fprintf(&b, "Leader:                       %s\n", st.Leader)
	b.WriteString("Voters:\n")
	for _, v := range st.Voters {
		fmt.Fprintf(&b, "   %s\n", v)
	}
	b.WriteString("\nServers:\n")
	ids := make([]string, 0, len(st.Servers))
	for id := range st.Servers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := st.Servers[id]
		fmt.Fprintf(&b, "   %s\n", id)
		fmt.Fprintf(&b, "      Name:            %s\n", s.Name)
		fmt.Fprintf(&b, "      Address:         %s\n", s.Address)
		fmt.Fprintf(&b, "      Version:         %s\n", s.Version)
		fmt.Fprintf(&b, "      Status:          %s\n", s.Status)
		fmt.Fprintf(&b, "      Node Type:       %s\n", s.NodeType)
		fmt.Fprintf(&b, "      Node Status:     %s\n", s.NodeStatus)
		fmt.Fprintf(&b, "      Healthy:         %v\n", s.Healthy)
		fmt.Fprintf(&b, "      Last Contact:    %s\n", s.LastContact.String())
		fmt.Fprintf(&b, "      Last Term:       %d\n", s.LastTerm)
		fmt.Fprintf(&b, "      Last Index:      %d\n", s.LastIndex)
		fmt.Fprintf(&b, "      Stable Since:    %s\n", s.StableSince.UTC().Format(time.RFC3339))
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
