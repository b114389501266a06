package command

import (
	"fmt"
	"strings"
)

// kvFlag collects repeated key=value flags (-node-meta, -meta) into a map.
type kvFlag map[string]string

func (f *kvFlag) String() string { return joinPairs(*f, ",") }

// Set parses one key=value pair. The value may be empty; the key may not.
func (f *kvFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	if *f == nil {
		*f = kvFlag{}
	}
	(*f)[k] = v
	return nil
}

// listFlag collects a repeated string flag (-tag).
type listFlag []string

func (f *listFlag) String() string { return strings.Join(*f, ",") }

// Set appends one value.
func (f *listFlag) Set(s string) error {
	*f = append(*f, s)
	return nil
}
