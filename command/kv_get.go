package command

import (
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/pylonmesh/pylon/api"
)

const kvGetHelp = `
Usage: pylon kv get [options] [KEY_OR_PREFIX]

  Reads the value of a key from the KV store and prints it. A missing key
  is an error. With -recurse every key under the prefix is printed as
  "key:value"; with -keys only the key names are, cut after -separator.

      $ pylon kv get redis/config/connections
      $ pylon kv get -recurse redis/
      $ pylon kv get -keys -separator=/ redis/
`

func runKVGet(u *ui, args []string) int {
	fs := flag.NewFlagSet("kv get", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	recurse := fs.Bool("recurse", false, "Print every key under the given prefix as key:value.")
	keys := fs.Bool("keys", false, "List the keys under the given prefix instead of values.")
	separator := fs.String("separator", "/", "With -keys, cut keys after the first `separator` following the prefix.")
	detailed := fs.Bool("detailed", false, "Print every field of the entry (indexes, flags, session), not only the value.")
	b64 := fs.Bool("base64", false, "Print values base64-encoded.")
	if done, code := parseFlags(u, fs, args, kvGetHelp); done {
		return code
	}
	key, ok := kvKeyArg(u, fs.Args())
	if !ok {
		return 1
	}
	if key == "" && !*recurse && !*keys {
		u.error("Error! Missing KEY argument")
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	kv, q := client.KV(), h.queryOptions()
	switch {
	case *keys:
		list, _, err := kv.Keys(key, *separator, q)
		if err != nil {
			u.error("Error querying Pylon agent: %v", err)
			return 1
		}
		for _, k := range list {
			u.output("%s", k)
		}
	case *recurse:
		pairs, _, err := kv.List(key, q)
		if err != nil {
			u.error("Error querying Pylon agent: %v", err)
			return 1
		}
		printPairs(u.out, pairs, *detailed, *b64)
	default:
		pair, _, err := kv.Get(key, q)
		if err != nil {
			u.error("Error querying Pylon agent: %v", err)
			return 1
		}
		if pair == nil {
			u.error("Error! No key exists at: %s", key)
			return 1
		}
		if *detailed {
			printDetailed(u.out, pair, *b64)
		} else {
			u.output("%s", formatValue(pair.Value, *b64))
		}
	}
	return 0
}

// kvKeyArg returns the optional single key argument without a leading
// slash (keys never start with one).
func kvKeyArg(u *ui, args []string) (string, bool) {
	switch len(args) {
	case 0:
		return "", true
	case 1:
		return strings.TrimPrefix(args[0], "/"), true
	}
	u.error("Too many arguments (expected 1, got %d)", len(args))
	return "", false
}

func formatValue(v []byte, b64 bool) string {
	if b64 {
		return base64.StdEncoding.EncodeToString(v)
	}
	return string(v)
}

// printPairs writes a -recurse listing: "key:value" lines, or detailed
// blocks separated by blank lines.
func printPairs(w io.Writer, pairs api.KVPairs, detailed, b64 bool) {
	for i, p := range pairs {
		if !detailed {
			fmt.Fprintf(w, "%s:%s\n", p.Key, formatValue(p.Value, b64))
			continue
		}
		if i > 0 {
			fmt.Fprintln(w)
		}
		printDetailed(w, p, b64)
	}
}

// printDetailed writes every field of an entry as an aligned two-column
// block, as Consul's -detailed does.
func printDetailed(w io.Writer, p *api.KVPair, b64 bool) {
	session := p.Session
	if session == "" {
		session = "-"
	}
	tw := tabwriter.NewWriter(w, 0, 2, 6, ' ', 0)
	fmt.Fprintf(tw, "CreateIndex\t%d\n", p.CreateIndex)
	fmt.Fprintf(tw, "Flags\t%d\n", p.Flags)
	fmt.Fprintf(tw, "Key\t%s\n", p.Key)
	fmt.Fprintf(tw, "LockIndex\t%d\n", p.LockIndex)
	fmt.Fprintf(tw, "ModifyIndex\t%d\n", p.ModifyIndex)
	fmt.Fprintf(tw, "Session\t%s\n", session)
	fmt.Fprintf(tw, "Value\t%s\n", formatValue(p.Value, b64))
	_ = tw.Flush()
}
