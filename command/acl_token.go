package command

import (
	"flag"
	"io"

	"github.com/pylonmesh/pylon/api"
)

// `pylon acl token create|list|read|update|delete|clone`.

const aclTokenCreateHelp = `
Usage: pylon acl token create [options]

  Creates a token linking policies and roles, or holding identities, and
  prints it with its SecretID.

      $ pylon acl token create -description "web" -policy-name web -expires-ttl 1h
      $ pylon acl token create -role-name ops -service-identity api:dc1,dc2
`

func runACLTokenCreate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token create", flag.ContinueOnError)
	var f aclFlags
	var g grantFlags
	f.register(fs)
	g.register(fs, true)
	var accessor, secret string
	for _, name := range []string{"accessor", "accessor-id"} {
		fs.StringVar(&accessor, name, "", "The token's `AccessorID` (default: generated).")
	}
	for _, name := range []string{"secret", "secret-id"} {
		fs.StringVar(&secret, name, "", "The token's `SecretID` (default: generated).")
	}
	desc := fs.String("description", "", "A `description` of the token.")
	local := fs.Bool("local", false, "Keep the token in this datacenter only.")
	ttl := fs.String("expires-ttl", "", "How long until the token expires, a `duration` such as 1h (default: never).")
	c, code, ok := f.start(u, fs, args, aclTokenCreateHelp)
	if !ok {
		return code
	}
	d, err := parseTTL(*ttl)
	if err != nil {
		u.error("%v", err)
		return 1
	}
	si, ni, err := g.identities()
	if err != nil {
		u.error("%v", err)
		return 1
	}
	tok := &api.ACLToken{AccessorID: accessor, SecretID: secret, Description: *desc, Local: *local, ExpirationTTL: d,
		Policies: links(g.policyIDs, g.policyNames), Roles: links(g.roleIDs, g.roleNames),
		ServiceIdentities: si, NodeIdentities: ni}
	out, _, err := c.ACL().TokenCreate(tok, nil)
	if err != nil {
		u.error("Failed to create new token: %v", err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printToken(w, out) })
}

func runACLTokenList(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token list", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	c, code, ok := f.start(u, fs, args, "Usage: pylon acl token list [options]\n\n  Lists the tokens; SecretIDs only with acl:write.")
	if !ok {
		return code
	}
	list, _, err := c.ACL().TokenList(f.queryOptions())
	if err != nil {
		u.error("Failed to retrieve the token list: %v", err)
		return 1
	}
	return f.show(u, list, func(w io.Writer) {
		for i, t := range list {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			printTokenListEntry(w, t)
		}
	})
}

// accessorFlag registers -accessor-id and its older name -id.
func accessorFlag(fs *flag.FlagSet) *string {
	var id string
	fs.StringVar(&id, "accessor-id", "", "The `AccessorID` of the token.")
	fs.StringVar(&id, "id", "", "Same as -accessor-id (deprecated).")
	return &id
}

const aclTokenReadHelp = `
Usage: pylon acl token read (-accessor-id ID | -self) [options]

  Prints a token. Its SecretID shows only with acl:write, or with -self.
`

func runACLTokenRead(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token read", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	id := accessorFlag(fs)
	self := fs.Bool("self", false, "Read the token the request is made with.")
	c, code, ok := f.start(u, fs, args, aclTokenReadHelp)
	if !ok {
		return code
	}
	var tok *api.ACLToken
	var err error
	switch {
	case *self:
		tok, _, err = c.ACL().TokenReadSelf(f.queryOptions())
	case *id != "":
		tok, _, err = c.ACL().TokenRead(*id, f.queryOptions())
	default:
		u.error("Must specify the -accessor-id flag or -self")
		return 1
	}
	if err != nil {
		u.error("Error reading token: %v", err)
		return 1
	}
	return f.show(u, tok, func(w io.Writer) { printToken(w, tok) })
}

const aclTokenUpdateHelp = `
Usage: pylon acl token update -accessor-id ID [options]

  Updates a token. Only what is given changes; the policy, role and
  identity flags replace the token's lists, or add to them with -append.
  The SecretID, Local and the expiration never change.
`

func runACLTokenUpdate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token update", flag.ContinueOnError)
	var f aclFlags
	var g grantFlags
	f.register(fs)
	g.register(fs, true)
	id := accessorFlag(fs)
	desc := fs.String("description", "", "The token's new `description`.")
	appendLinks := fs.Bool("append", false, "Add the given policies, roles and identities instead of replacing them.")
	c, code, ok := f.start(u, fs, args, aclTokenUpdateHelp)
	if !ok {
		return code
	}
	if *id == "" {
		u.error("Must specify the -accessor-id flag")
		return 1
	}
	tok, _, err := c.ACL().TokenRead(*id, nil)
	if err != nil {
		u.error("Error reading token %q: %v", *id, err)
		return 1
	}
	si, ni, err := g.identities()
	if err != nil {
		u.error("%v", err)
		return 1
	}
	if flagsSet(fs)["description"] {
		tok.Description = *desc
	}
	tok.Policies = replaceOrAppend(tok.Policies, links(g.policyIDs, g.policyNames), *appendLinks)
	tok.Roles = replaceOrAppend(tok.Roles, links(g.roleIDs, g.roleNames), *appendLinks)
	tok.ServiceIdentities = replaceOrAppend(tok.ServiceIdentities, si, *appendLinks)
	tok.NodeIdentities = replaceOrAppend(tok.NodeIdentities, ni, *appendLinks)
	// The read may have hidden the secret; an empty one keeps it.
	tok.SecretID, tok.ExpirationTTL, tok.ExpirationTime = "", 0, nil
	out, _, err := c.ACL().TokenUpdate(tok, nil)
	if err != nil {
		u.error("Failed to update token %s: %v", *id, err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printToken(w, out) })
}

func runACLTokenDelete(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token delete", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	id := accessorFlag(fs)
	if done, code := parseFlags(u, fs, args, "Usage: pylon acl token delete -accessor-id ID [options]\n\n  Deletes a token."); done {
		return code
	}
	if *id == "" {
		u.error("Must specify the -accessor-id flag")
		return 1
	}
	c, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if _, err := c.ACL().TokenDelete(*id, nil); err != nil {
		u.error("Error deleting token %q: %v", *id, err)
		return 1
	}
	u.output("Token %q deleted successfully", *id)
	return 0
}

const aclTokenCloneHelp = `
Usage: pylon acl token clone -accessor-id ID [options]

  Creates a token with new IDs and the policies, roles and identities of
  an existing one.
`

func runACLTokenClone(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl token clone", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	id := accessorFlag(fs)
	desc := fs.String("description", "", "A `description` of the new token (default: the source's).")
	c, code, ok := f.start(u, fs, args, aclTokenCloneHelp)
	if !ok {
		return code
	}
	if *id == "" {
		u.error("Must specify the -accessor-id flag")
		return 1
	}
	tok, _, err := c.ACL().TokenClone(*id, *desc, nil)
	if err != nil {
		u.error("Failed to clone token: %v", err)
		return 1
	}
	return f.show(u, tok, func(w io.Writer) { printToken(w, tok) })
}
