package command

import (
	"encoding/json"
	"flag"

	"github.com/pylonmesh/pylon/version"
)

const versionHelp = `
Usage: pylon version [options]

  Prints the Pylon version, the source revision it was built from, and the
  protocol versions it speaks.
`

// versionInfo is the -format=json output of `pylon version`.
type versionInfo struct {
	Version    string
	Revision   string
	Prerelease string
	BuildDate  string `json:",omitempty"`
	RPC        struct{ Default, Min, Max int }
}

func runVersion(u *ui, args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	format := fs.String("format", "pretty", "Output `format`: pretty or json.")
	if done, code := parseFlags(u, fs, args, versionHelp); done {
		return code
	}
	info := versionInfo{Version: version.Version, Revision: version.Revision(), BuildDate: version.BuildDate()}
	info.RPC.Default, info.RPC.Min, info.RPC.Max = version.ProtocolDefault, version.ProtocolMin, version.ProtocolMax
	switch *format {
	case "pretty":
		printVersion(u, info)
	case "json":
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			u.error("Error encoding version: %v", err)
			return 1
		}
		u.output("%s", b)
	default:
		u.error("Invalid format %q: use pretty or json", *format)
		return 1
	}
	return 0
}

func printVersion(u *ui, info versionInfo) {
	u.output("Pylon v%s", info.Version)
	if info.Revision != "" {
		u.output("Revision %s", info.Revision)
	}
	if info.BuildDate != "" {
		u.output("Build Date %s", info.BuildDate)
	}
	u.output("Protocol %d spoken by default, understands %d to %d "+
		"(agent will automatically use protocol >%d when speaking to compatible agents)",
		info.RPC.Default, info.RPC.Min, info.RPC.Max, info.RPC.Default)
}
