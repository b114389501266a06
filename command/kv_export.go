package command

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const kvExportHelp = `
Usage: pylon kv export [options] [PREFIX]

  Prints every key under PREFIX (all keys without one) as a JSON array of
  {"key","flags","value"} objects with base64 values: the input of
  pylon kv import, and the format of consul kv export.

      $ pylon kv export vault/ > vault.json
`

func runKVExport(u *ui, args []string) int {
	fs := flag.NewFlagSet("kv export", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, kvExportHelp); done {
		return code
	}
	prefix, ok := kvKeyArg(u, fs.Args())
	if !ok {
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	pairs, _, err := client.KV().List(prefix, h.queryOptions())
	if err != nil {
		u.error("Error querying Pylon agent: %v", err)
		return 1
	}
	out := make([]kvExportEntry, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, kvExportEntry{Key: p.Key, Flags: p.Flags, Value: base64.StdEncoding.EncodeToString(p.Value)})
	}
	b, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		u.error("Error exporting KV data: %v", err)
		return 1
	}
	u.output("%s", b)
	return 0
}

const kvImportHelp = `
Usage: pylon kv import [options] DATA

  Writes the keys of a JSON document in the format pylon kv export prints.
  DATA is the document itself, @FILE, or - to read standard input. With
  -prefix every key is written under that prefix.

      $ pylon kv import @vault.json
      $ pylon kv export vault/ | pylon kv import -prefix=backup -
`

func runKVImport(u *ui, args []string) int {
	fs := flag.NewFlagSet("kv import", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	prefix := fs.String("prefix", "", "Write every key under this `prefix`.")
	if done, code := parseFlags(u, fs, args, kvImportHelp); done {
		return code
	}
	switch fs.NArg() {
	case 0:
		u.error("Error! Missing DATA argument")
		return 1
	case 1:
	default:
		u.error("Too many arguments (expected 1, got %d)", fs.NArg())
		return 1
	}
	data, err := readValue(fs.Arg(0), stdin, readFileLimited)
	if err != nil {
		u.error("Error! %v", err)
		return 1
	}
	entries, err := parseImport(data)
	if err != nil {
		u.error("Error! %v", err)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	kv := client.KV()
	for _, e := range entries {
		key := strings.TrimPrefix(joinPrefix(*prefix, e.Key), "/")
		if _, err := kv.Put(&api.KVPair{Key: key, Flags: e.Flags, Value: e.Value}, nil); err != nil {
			u.error("Error! Failed writing data for key %s: %v", key, err)
			return 1
		}
		u.output("Imported: %s", key)
	}
	return 0
}
