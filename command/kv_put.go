package command

import (
	"encoding/base64"
	"flag"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const kvPutHelp = `
Usage: pylon kv put [options] KEY [DATA]

  Writes DATA to KEY in the KV store. DATA is the value itself, @FILE for
  a file's contents, or - to read standard input; without DATA the value
  is empty.

      $ pylon kv put redis/config/connections 5
      $ pylon kv put redis/config/motd @motd.txt
      $ pylon kv put -cas -modify-index=123 redis/config/connections 10
      $ pylon kv put -acquire -session=<ID> service/leader me
`

// kvPutMode is the kind of write kv put performs.
type kvPutMode struct {
	cas, acquire, release bool
	modifyIndex           uint64
	indexSet              bool // -modify-index was given (0 means create-only)
	session               string
}

func runKVPut(u *ui, args []string) int {
	fs := flag.NewFlagSet("kv put", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	var m kvPutMode
	fs.BoolVar(&m.cas, "cas", false, "Write only if the key's ModifyIndex is -modify-index (check-and-set).")
	fs.Uint64Var(&m.modifyIndex, "modify-index", 0, "The `index` -cas compares with; 0 writes only if the key does not exist.")
	fs.BoolVar(&m.acquire, "acquire", false, "Acquire the lock on the key for -session, then write.")
	fs.BoolVar(&m.release, "release", false, "Release the lock -session holds on the key, then write.")
	fs.StringVar(&m.session, "session", "", "The session `ID` for -acquire and -release.")
	flags := fs.Uint64("flags", 0, "Opaque unsigned integer `flags` stored with the value.")
	b64 := fs.Bool("base64", false, "DATA is base64-encoded; store the decoded bytes.")
	if done, code := parseFlags(u, fs, args, kvPutHelp); done {
		return code
	}
	fs.Visit(func(f *flag.Flag) { m.indexSet = m.indexSet || f.Name == "modify-index" })
	if msg := m.validate(); msg != "" {
		u.error("%s", msg)
		return 1
	}
	pair, ok := kvPutPair(u, fs.Args(), *b64)
	if !ok {
		return 1
	}
	pair.Flags, pair.Session, pair.ModifyIndex = *flags, m.session, m.modifyIndex
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	return m.write(u, client.KV(), pair)
}

// validate checks the flag combination; it returns the error to print.
func (m *kvPutMode) validate() string {
	n := 0
	for _, on := range []bool{m.cas, m.acquire, m.release} {
		if on {
			n++
		}
	}
	switch {
	case n > 1:
		return "Error! Only one of -cas, -acquire and -release may be given"
	case (m.acquire || m.release) && m.session == "":
		return "Error! Missing -session (required with -acquire and -release)"
	case m.cas && !m.indexSet:
		return "Error! Missing -modify-index (required with -cas)"
	case m.indexSet && !m.cas:
		return "Error! Cannot specify -modify-index without -cas"
	case m.session != "" && !m.acquire && !m.release:
		return "Error! Cannot specify -session without -acquire or -release"
	}
	return ""
}

// kvPutPair builds the entry from KEY and DATA.
func kvPutPair(u *ui, args []string, b64 bool) (*api.KVPair, bool) {
	switch {
	case len(args) == 0:
		u.error("Error! Missing KEY argument")
		return nil, false
	case len(args) > 2:
		u.error("Too many arguments (expected 1 or 2, got %d)", len(args))
		return nil, false
	}
	key := strings.TrimPrefix(args[0], "/")
	if key == "" {
		u.error("Error! Missing KEY argument")
		return nil, false
	}
	var value []byte
	if len(args) == 2 {
		v, err := readValue(args[1], stdin, readFileLimited)
		if err != nil {
			u.error("Error! %v", err)
			return nil, false
		}
		value = v
	}
	if b64 {
		v, err := base64.StdEncoding.DecodeString(string(value))
		if err != nil {
			u.error("Error! Cannot base 64 decode data: %v", err)
			return nil, false
		}
		value = v
	}
	return &api.KVPair{Key: key, Value: value}, true
}

// write performs the write and prints Consul's messages.
func (m *kvPutMode) write(u *ui, kv *api.KV, pair *api.KVPair) int {
	var (
		ok  bool
		err error
	)
	switch {
	case m.cas:
		ok, _, err = kv.CAS(pair, nil)
	case m.acquire:
		ok, _, err = kv.Acquire(pair, nil)
	case m.release:
		ok, _, err = kv.Release(pair, nil)
	default:
		_, err = kv.Put(pair, nil)
		ok = err == nil
	}
	if err != nil {
		u.error("Error! Failed writing data: %v", err)
		return 1
	}
	switch {
	case m.acquire && ok:
		u.output("Success! Lock acquired on: %s", pair.Key)
	case m.acquire:
		u.error("Error! Failed to acquire lock")
	case m.release && ok:
		u.output("Success! Lock released on: %s", pair.Key)
	case m.release:
		u.error("Error! Failed to release lock")
	case ok:
		u.output("Success! Data written to: %s", pair.Key)
	default:
		u.error("Error! Did not write to %s: CAS failed", pair.Key)
	}
	if !ok {
		return 1
	}
	return 0
}
