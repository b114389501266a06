package command

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pylonmesh/pylon/api"
)

// aclCommands are `pylon acl ...`: bootstrap, policies, roles, tokens and
// the agent's own tokens.
func aclCommands() []command {
	return []command{
		{"acl", "Interact with Pylon's ACLs", nil},
		{"acl bootstrap", "Bootstrap Pylon's ACL system", runACLBootstrap},
		{"acl policy", "Manage Pylon's ACL policies", nil},
		{"acl policy create", "Create an ACL policy", runACLPolicyCreate},
		{"acl policy delete", "Delete an ACL policy", runACLPolicyDelete},
		{"acl policy list", "Lists ACL policies", runACLPolicyList},
		{"acl policy read", "Read an ACL policy", runACLPolicyRead},
		{"acl policy update", "Update an ACL policy", runACLPolicyUpdate},
		{"acl role", "Manage Pylon's ACL roles", nil},
		{"acl role create", "Create an ACL role", runACLRoleCreate},
		{"acl role delete", "Delete an ACL role", runACLRoleDelete},
		{"acl role list", "Lists ACL roles", runACLRoleList},
		{"acl role read", "Read an ACL role", runACLRoleRead},
		{"acl role update", "Update an ACL role", runACLRoleUpdate},
		{"acl set-agent-token", "Assign tokens for the Pylon agent's usage", runACLSetAgentToken},
		{"acl token", "Manage Pylon's ACL tokens", nil},
		{"acl token clone", "Clone an ACL token", runACLTokenClone},
		{"acl token create", "Create an ACL token", runACLTokenCreate},
		{"acl token delete", "Delete an ACL token", runACLTokenDelete},
		{"acl token list", "List ACL tokens", runACLTokenList},
		{"acl token read", "Read an ACL token", runACLTokenRead},
		{"acl token update", "Update an ACL token", runACLTokenUpdate},
	}
}

// aclFlags are the flags every acl command has: the HTTP flags and
// -format.
type aclFlags struct {
	httpFlags
	format string
}

func (f *aclFlags) register(fs *flag.FlagSet) {
	f.httpFlags.register(fs)
	fs.StringVar(&f.format, "format", "pretty", "Output `format`: pretty or json.")
}

// start parses the flags and connects; ok is false when the command must
// stop with code.
func (f *aclFlags) start(u *ui, fs *flag.FlagSet, args []string, help string) (c *api.Client, code int, ok bool) {
	if done, code := parseFlags(u, fs, args, help); done {
		return nil, code, false
	}
	if f.format != "pretty" && f.format != "json" {
		u.error("Invalid format %q: want pretty or json", f.format)
		return nil, 1, false
	}
	c, err := f.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return nil, 1, false
	}
	return c, 0, true
}

// show writes v as indented JSON with -format json, else through pretty.
func (f *aclFlags) show(u *ui, v any, pretty func(io.Writer)) int {
	if f.format == "json" {
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			u.error("Error encoding JSON: %v", err)
			return 1
		}
		u.output("%s", b)
		return 0
	}
	pretty(u.out)
	return 0
}

// readRules returns a -rules value: "@file", "-" (stdin) or the text.
func readRules(arg string) (string, error) {
	if arg == "" {
		return "", nil
	}
	b, err := readValue(arg, stdin, os.ReadFile)
	return string(b), err
}

// parseServiceIdentities reads -service-identity values, NAME or
// NAME:DC1,DC2.
func parseServiceIdentities(in []string) ([]*api.ACLServiceIdentity, error) {
	var out []*api.ACLServiceIdentity
	for _, s := range in {
		name, dcs, _ := strings.Cut(s, ":")
		if name == "" {
			return nil, fmt.Errorf("service identity %q: no service name", s)
		}
		si := &api.ACLServiceIdentity{ServiceName: name}
		if dcs != "" {
			si.Datacenters = strings.Split(dcs, ",")
		}
		out = append(out, si)
	}
	return out, nil
}

// parseNodeIdentities reads -node-identity values, NODE:DC.
func parseNodeIdentities(in []string) ([]*api.ACLNodeIdentity, error) {
	var out []*api.ACLNodeIdentity
	for _, s := range in {
		node, dc, ok := strings.Cut(s, ":")
		if !ok || node == "" || dc == "" {
			return nil, fmt.Errorf("node identity %q: want NODE:DATACENTER", s)
		}
		out = append(out, &api.ACLNodeIdentity{NodeName: node, Datacenter: dc})
	}
	return out, nil
}

// links turns -x-id and -x-name values into links.
func links(ids, names []string) []*api.ACLLink {
	var out []*api.ACLLink
	for _, id := range ids {
		out = append(out, &api.ACLLink{ID: id})
	}
	for _, n := range names {
		out = append(out, &api.ACLLink{Name: n})
	}
	return out
}

// Pretty formats, in the layout of Consul's CLI.

func printToken(w io.Writer, t *api.ACLToken) {
	fmt.Fprintf(w, "AccessorID:       %s\n", t.AccessorID)
	fmt.Fprintf(w, "SecretID:         %s\n", t.SecretID)
	fmt.Fprintf(w, "Description:      %s\n", t.Description)
	fmt.Fprintf(w, "Local:            %t\n", t.Local)
	fmt.Fprintf(w, "Create Time:      %s\n", t.CreateTime)
	if t.ExpirationTime != nil && !t.ExpirationTime.IsZero() {
		fmt.Fprintf(w, "Expiration Time:  %s\n", t.ExpirationTime)
	}
	printIdentities(w, "", t.Policies, t.Roles, t.ServiceIdentities, t.NodeIdentities)
}

func printTokenListEntry(w io.Writer, t *api.ACLTokenListEntry) {
	fmt.Fprintf(w, "AccessorID:       %s\n", t.AccessorID)
	fmt.Fprintf(w, "SecretID:         %s\n", t.SecretID)
	fmt.Fprintf(w, "Description:      %s\n", t.Description)
	fmt.Fprintf(w, "Local:            %t\n", t.Local)
	fmt.Fprintf(w, "Create Time:      %s\n", t.CreateTime)
	if t.ExpirationTime != nil && !t.ExpirationTime.IsZero() {
		fmt.Fprintf(w, "Expiration Time:  %s\n", t.ExpirationTime)
	}
	printIdentities(w, "", t.Policies, t.Roles, t.ServiceIdentities, t.NodeIdentities)
}

// printIdentities writes the non-empty link and identity lists, each
// item indented under its heading.
func printIdentities(w io.Writer, indent string, policies, roles []*api.ACLLink,
	services []*api.ACLServiceIdentity, nodes []*api.ACLNodeIdentity) {
	for _, l := range []struct {
		title string
		links []*api.ACLLink
	}{{"Policies", policies}, {"Roles", roles}} {
		if len(l.links) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s%s:\n", indent, l.title)
		for _, p := range l.links {
			fmt.Fprintf(w, "%s   %s - %s\n", indent, p.ID, p.Name)
		}
	}
	if len(services) > 0 {
		fmt.Fprintf(w, "%sService Identities:\n", indent)
		for _, si := range services {
			dcs := "all"
			if len(si.Datacenters) > 0 {
				dcs = strings.Join(si.Datacenters, ", ")
			}
			fmt.Fprintf(w, "%s   %s (Datacenters: %s)\n", indent, si.ServiceName, dcs)
		}
	}
	if len(nodes) > 0 {
		fmt.Fprintf(w, "%sNode Identities:\n", indent)
		for _, ni := range nodes {
			fmt.Fprintf(w, "%s   %s (Datacenter: %s)\n", indent, ni.NodeName, ni.Datacenter)
		}
	}
}

func printPolicy(w io.Writer, p *api.ACLPolicy) {
	fmt.Fprintf(w, "ID:           %s\n", p.ID)
	fmt.Fprintf(w, "Name:         %s\n", p.Name)
	fmt.Fprintf(w, "Description:  %s\n", p.Description)
	fmt.Fprintf(w, "Datacenters:  %s\n", strings.Join(p.Datacenters, ", "))
	fmt.Fprintf(w, "Rules:\n%s\n", p.Rules)
}

func printPolicyListEntry(w io.Writer, p *api.ACLPolicyListEntry) {
	fmt.Fprintf(w, "%s:\n", p.Name)
	fmt.Fprintf(w, "   ID:           %s\n", p.ID)
	fmt.Fprintf(w, "   Description:  %s\n", p.Description)
	fmt.Fprintf(w, "   Datacenters:  %s\n", strings.Join(p.Datacenters, ", "))
}

func printRole(w io.Writer, r *api.ACLRole) {
	fmt.Fprintf(w, "ID:           %s\n", r.ID)
	fmt.Fprintf(w, "Name:         %s\n", r.Name)
	fmt.Fprintf(w, "Description:  %s\n", r.Description)
	printIdentities(w, "", r.Policies, nil, r.ServiceIdentities, r.NodeIdentities)
}

func printRoleListEntry(w io.Writer, r *api.ACLRole) {
	fmt.Fprintf(w, "%s:\n", r.Name)
	fmt.Fprintf(w, "   ID:           %s\n", r.ID)
	fmt.Fprintf(w, "   Description:  %s\n", r.Description)
	printIdentities(w, "   ", r.Policies, nil, r.ServiceIdentities, r.NodeIdentities)
}

// parseTTL reads -expires-ttl ("" is no expiry).
func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid -expires-ttl %q: want a positive duration such as 1h", s)
	}
	return d, nil
}
