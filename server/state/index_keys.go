package state

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Index keys are the lowercased strings of a record, each ended by a NUL
// byte, so lookups are case-insensitive (as in Consul) and a prefix of
// whole components never matches part of a longer one. Names holding a NUL
// byte are rejected on write (ErrInvalidName) to keep keys unambiguous.

// appendKey appends s, lowercased, and a NUL terminator to b.
func appendKey(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(append(b, strings.ToLower(s)...), 0)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return append(b, 0)
}

// lower returns s lowercased; it does not allocate when s is already
// lowercase ASCII.
func lower(s string) string { return strings.ToLower(s) }

// stringArg returns args[i] as a string.
func stringArg(args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("index: argument %d is %T, want string", i, args[i])
	}
	return s, nil
}

func wantArgs(args []any, n int) error {
	if len(args) != n {
		return fmt.Errorf("index: want %d arguments, got %d", n, len(args))
	}
	return nil
}

// oneKey and twoKeys build index keys for one or two strings with a single
// allocation.
func oneKey(a string) []byte { return appendKey(make([]byte, 0, len(a)+1), a) }

func twoKeys(a, b string) []byte {
	return appendKey(appendKey(make([]byte, 0, len(a)+len(b)+2), a), b)
}

// fieldIndex indexes one string of a record of type T. key reports false
// when the record has no value for the index (the index must then allow
// missing values).
type fieldIndex[T any] struct {
	key func(T) (string, bool)
}

func (ix fieldIndex[T]) FromObject(raw any) (bool, []byte, error) {
	r, ok := raw.(T)
	if !ok {
		return false, nil, fmt.Errorf("index: unexpected record %T", raw)
	}
	k, ok := ix.key(r)
	if !ok {
		return false, nil, nil
	}
	return true, oneKey(k), nil
}

func (ix fieldIndex[T]) FromArgs(args ...any) ([]byte, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	a, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	return oneKey(a), nil
}

// pairIndex indexes two strings of a record of type T, the first of which
// can be looked up alone through the "_prefix" form of the index.
type pairIndex[T any] struct {
	key func(T) (string, string)
}

func (ix pairIndex[T]) FromObject(raw any) (bool, []byte, error) {
	r, ok := raw.(T)
	if !ok {
		return false, nil, fmt.Errorf("index: unexpected record %T", raw)
	}
	a, b := ix.key(r)
	return true, twoKeys(a, b), nil
}

func (ix pairIndex[T]) FromArgs(args ...any) ([]byte, error) {
	if err := wantArgs(args, 2); err != nil {
		return nil, err
	}
	a, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := stringArg(args, 1)
	if err != nil {
		return nil, err
	}
	return twoKeys(a, b), nil
}

func (ix pairIndex[T]) PrefixFromArgs(args ...any) ([]byte, error) {
	if len(args) == 2 {
		return ix.FromArgs(args...)
	}
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	a, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	return oneKey(a), nil
}
