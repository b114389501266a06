package command

import (
	"flag"

	"github.com/pylonmesh/pylon/api"
)

const kvDeleteHelp = `
Usage: pylon kv delete [options] KEY_OR_PREFIX

  Removes a key from the KV store, or every key under a prefix with
  -recurse. Deleting a key that does not exist succeeds.

      $ pylon kv delete redis/config/connections
      $ pylon kv delete -recurse redis/
      $ pylon kv delete -cas -modify-index=42 redis/config/connections
`

func runKVDelete(u *ui, args []string) int {
	fs := flag.NewFlagSet("kv delete", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	recurse := fs.Bool("recurse", false, "Delete every key under the given prefix.")
	cas := fs.Bool("cas", false, "Delete only if the key's ModifyIndex is -modify-index (check-and-set).")
	index := fs.Uint64("modify-index", 0, "The `index` -cas compares with.")
	if done, code := parseFlags(u, fs, args, kvDeleteHelp); done {
		return code
	}
	key, ok := kvKeyArg(u, fs.Args())
	if !ok {
		return 1
	}
	switch {
	case key == "" && !*recurse:
		u.error("Error! Missing KEY argument")
		return 1
	case *cas && *index == 0:
		u.error("Must specify -modify-index with -cas!")
		return 1
	case *index != 0 && !*cas:
		u.error("Cannot specify -modify-index without -cas!")
		return 1
	case *recurse && *cas:
		u.error("Cannot specify both -cas and -recurse!")
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	kv := client.KV()
	switch {
	case *recurse:
		if _, err := kv.DeleteTree(key, nil); err != nil {
			u.error("Error! Did not delete prefix %s: %v", key, err)
			return 1
		}
		u.output("Success! Deleted keys with prefix: %s", key)
	case *cas:
		ok, _, err := kv.DeleteCAS(&api.KVPair{Key: key, ModifyIndex: *index}, nil)
		if err != nil {
			u.error("Error! Did not delete key %s: %v", key, err)
			return 1
		}
		if !ok {
			u.error("Error! Did not delete key %s: CAS failed", key)
			return 1
		}
		u.output("Success! Deleted key: %s", key)
	default:
		if _, err := kv.Delete(key, nil); err != nil {
			u.error("Error! Did not delete key %s: %v", key, err)
			return 1
		}
		u.output("Success! Deleted key: %s", key)
	}
	return 0
}
