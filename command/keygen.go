package command

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"io"
)

const keygenHelp = `
Usage: pylon keygen

  Prints a new gossip encryption key: 32 random bytes (AES-256) in base64,
  for the agent's encrypt setting or pylon keyring -install.
`

// keyRand is where keygen reads its random bytes; tests replace it.
var keyRand io.Reader = rand.Reader

func runKeygen(u *ui, args []string) int {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	if done, code := parseFlags(u, fs, args, keygenHelp); done {
		return code
	}
	if fs.NArg() > 0 {
		u.error("Too many arguments (expected 0, got %d)", fs.NArg())
		return 1
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(keyRand, key); err != nil {
		u.error("Error reading random data: %v", err)
		return 1
	}
	u.output("%s", base64.StdEncoding.EncodeToString(key))
	return 0
}
