package config

import (
	"errors"
	"fmt"
	"reflect"
)

// setting is a scalar key of the sources that remembers where it was last
// written, so that checks made after decoding (ranges, combinations of
// keys) can name the file and line, or the flag, that set it. The zero
// value is "not set".
type setting[T any] struct {
	val T
	at  pos
	set bool
}

func (s *setting[T]) decodeNode(n *node, path string) error {
	var v T
	// Settings only occur in files and flags, which decode strictly.
	if err := (&decoder{}).decode(n, reflect.ValueOf(&v).Elem(), path); err != nil {
		return err
	}
	s.val, s.at, s.set = v, n.pos, true
	return nil
}

// or returns the value, or def when the key was not set.
func (s setting[T]) or(def T) T {
	if !s.set {
		return def
	}
	return s.val
}

// errorf reports a problem with key, prefixed with where it was set.
func (s setting[T]) errorf(key, format string, args ...any) error {
	return errors.New(s.message(key, format, args...))
}

// message is a line about key, prefixed with where it was set; warnings
// use it as it is.
func (s setting[T]) message(key, format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	if s.set && s.at.String() != "" {
		return fmt.Sprintf("%s: %s: %s", s.at, key, msg)
	}
	return fmt.Sprintf("%s: %s", key, msg)
}

// values returns the values of a list of settings.
func values[T any](list []setting[T]) []T {
	if len(list) == 0 {
		return nil
	}
	out := make([]T, len(list))
	for i, s := range list {
		out[i] = s.val
	}
	return out
}
