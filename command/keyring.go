package command

import (
	"flag"
	"maps"
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const keyringHelp = `
Usage: pylon keyring [options]

  Manages the gossip encryption keys of the pool. Rotate a key in three
  steps: -install the new key on every member, -use it as the primary key,
  then -remove the old one. Exactly one action is allowed per call. Exits 1
  when a member failed or did not answer.
`

// keyringFlags are the actions and options of pylon keyring.
type keyringFlags struct {
	install, use, remove string
	list, listPrimary    bool
	relayFactor          int
	localOnly            bool
}

func runKeyring(u *ui, args []string) int {
	fs := flag.NewFlagSet("keyring", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	var k keyringFlags
	fs.StringVar(&k.install, "install", "", "Install a new `key` on every member, as a secondary key.")
	fs.StringVar(&k.use, "use", "", "Make an installed `key` the primary key of every member.")
	fs.StringVar(&k.remove, "remove", "", "Remove a `key` from every member; not the primary key.")
	fs.BoolVar(&k.list, "list", false, "List the keys installed on the members.")
	fs.BoolVar(&k.listPrimary, "list-primary", false, "List the primary keys of the members.")
	fs.IntVar(&k.relayFactor, "relay-factor", 0, "Relay each answer through this many other members (0 to 5).")
	fs.BoolVar(&k.localOnly, "local-only", false, "List the keys of the local datacenter only.")
	if done, code := parseFlags(u, fs, args, keyringHelp); done {
		return code
	}
	if msg := k.check(); msg != "" {
		u.error("%s", msg)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	op := client.Operator()
	w := &api.WriteOptions{RelayFactor: uint8(k.relayFactor)}
	var action, done string
	switch {
	case k.list || k.listPrimary:
		u.output("==> Gathering installed encryption keys...")
		pools, err := op.KeyringList(&api.QueryOptions{RelayFactor: uint8(k.relayFactor), LocalOnly: k.localOnly})
		if err != nil {
			u.error("error: %v", err)
			return 1
		}
		printKeyring(u, pools, k.listPrimary)
		return 0
	case k.install != "":
		action, done, err = "Installing new gossip encryption key...", "Successfully installed key!", op.KeyringInstall(k.install, w)
	case k.use != "":
		action, done, err = "Changing primary gossip encryption key...", "Successfully changed primary key!", op.KeyringUse(k.use, w)
	default:
		action, done, err = "Removing gossip encryption key...", "Successfully removed key!", op.KeyringRemove(k.remove, w)
	}
	u.output("==> %s", action)
	if err != nil {
		u.error("error: %v", err)
		return 1
	}
	u.output("==> %s", done)
	return 0
}

// check returns what is wrong with the flags, or "".
func (k keyringFlags) check() string {
	n := 0
	for _, set := range []bool{k.install != "", k.use != "", k.remove != "", k.list || k.listPrimary} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return "At least one of -list, -list-primary, -install, -use or -remove must be specified."
	case n > 1:
		return "Only a single action is allowed."
	case k.relayFactor < 0 || k.relayFactor > 5:
		return "Relay factor must be in range: [0, 5]"
	case k.localOnly && !(k.list || k.listPrimary):
		return "The -local-only flag can only be used with -list."
	}
	return ""
}

// printKeyring writes each pool's keys with how many of its members hold
// them: the WAN pool first, then the LAN pools by datacenter.
func printKeyring(u *ui, pools []*api.KeyringResponse, primary bool) {
	slices.SortStableFunc(pools, func(a, b *api.KeyringResponse) int {
		if a.WAN != b.WAN {
			if a.WAN {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Datacenter, b.Datacenter)
	})
	for _, p := range pools {
		name := p.Datacenter + " (LAN)"
		if p.WAN {
			name = "WAN"
		}
		if p.Segment != "" {
			name = p.Datacenter + " (LAN) [" + p.Segment + "]"
		}
		keys := p.Keys
		if primary {
			keys = p.PrimaryKeys
		}
		u.output("")
		u.output("%s:", name)
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			u.output("  %s [%d/%d]", key, keys[key], p.NumNodes)
		}
		for _, node := range slices.Sorted(maps.Keys(p.Messages)) {
			u.output("  %s: %s", node, p.Messages[node])
		}
	}
}
