package command

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// stdin is what a "-" value argument reads; tests replace it.
var stdin io.Reader = os.Stdin

// maxValueInput bounds what a value argument may read from a file or
// stdin: well above the server's 512 KiB value limit (and a kv import
// document of many values), small enough not to exhaust memory.
const maxValueInput = 64 << 20

// valueSource says where a value argument's bytes come from.
type valueSource int

const (
	valueLiteral valueSource = iota // the argument itself
	valueFile                       // "@path": the file's contents
	valueStdin                      // "-": standard input
)

// parseValueArg classifies a value argument as Consul's CLI does: "@path"
// names a file, a lone "-" is standard input, anything else (including
// "-x" and "") is the value itself. rest is the path or the literal.
func parseValueArg(arg string) (src valueSource, rest string) {
	switch {
	case strings.HasPrefix(arg, "@"):
		return valueFile, arg[1:]
	case arg == "-":
		return valueStdin, ""
	}
	return valueLiteral, arg
}

// readValue returns the bytes a value argument stands for, reading files
// through readFile and "-" from in.
func readValue(arg string, in io.Reader, readFile func(string) ([]byte, error)) ([]byte, error) {
	src, rest := parseValueArg(arg)
	switch src {
	case valueFile:
		if rest == "" {
			return nil, errors.New("missing file name after @")
		}
		b, err := readFile(rest)
		if err != nil {
			return nil, fmt.Errorf("failed to read file: %w", err)
		}
		return b, nil
	case valueStdin:
		b, err := io.ReadAll(io.LimitReader(in, maxValueInput+1))
		if err != nil {
			return nil, fmt.Errorf("failed to read stdin: %w", err)
		}
		if len(b) > maxValueInput {
			return nil, fmt.Errorf("stdin holds more than %d bytes", maxValueInput)
		}
		return b, nil
	}
	return []byte(rest), nil
}

// readFileLimited reads a value file, refusing one over maxValueInput.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxValueInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxValueInput {
		return nil, fmt.Errorf("%s holds more than %d bytes", path, maxValueInput)
	}
	return b, nil
}

// kvExportEntry is one key of `kv export` output and `kv import` input:
// Consul's format, with the value base64-encoded.
type kvExportEntry struct {
	Key   string `json:"key"`
	Flags uint64 `json:"flags"`
	Value string `json:"value"`
}

// importEntry is a decoded entry of a kv import document.
type importEntry struct {
	Key   string
	Flags uint64
	Value []byte
}

// parseImport decodes a kv import document: a JSON array of
// {"key","flags","value"} objects whose values are base64. Every key must
// be non-empty and every value must decode; the first problem is returned
// with the entry's position.
func parseImport(data []byte) ([]importEntry, error) {
	var raw []kvExportEntry
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("cannot unmarshal data: %w", err)
	}
	out := make([]importEntry, 0, len(raw))
	for i, e := range raw {
		if e.Key == "" {
			return nil, fmt.Errorf("entry %d: missing key", i)
		}
		v, err := base64.StdEncoding.DecodeString(e.Value)
		if err != nil {
			return nil, fmt.Errorf("base64 decoding failed for %s: %w", e.Key, err)
		}
		out = append(out, importEntry{Key: e.Key, Flags: e.Flags, Value: v})
	}
	return out, nil
}

// joinPrefix puts key under prefix with one slash between them. Unlike a
// path join it keeps a trailing slash, so folder keys ("dir/") survive.
func joinPrefix(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(key, "/")
}
