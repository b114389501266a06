package httpapi

import (
	"reflect"

	bexpr "github.com/hashicorp/go-bexpr"
)

// writeJSON encodes v as the response body, indented with ?pretty or in
// dev mode.
func (s *Server) writeJSON(c *call, v any) error {
	body, err := s.encode(c, v)
	if err != nil {
		return err
	}
	return writeBody(c, body)
}

// applyFilter evaluates a ?filter expression against a slice or map and
// returns the matching elements (the same type as data).
func applyFilter[T any](expr string, data T) (T, error) {
	if expr == "" {
		return data, nil
	}
	f, err := bexpr.CreateFilter(expr)
	if err != nil {
		var zero T
		return zero, badRequest("Failed to create boolean expression evaluator: %v", err)
	}
	out, err := f.Execute(data)
	if err != nil {
		var zero T
		return zero, badRequest("Failed to apply filter: %v", err)
	}
	if out == nil {
		return emptyOf(data), nil
	}
	return out.(T), nil
}

// emptyOf returns an empty, non-nil slice or map of data's type, so that
// JSON shows [] or {} rather than null.
func emptyOf[T any](data T) T {
	t := reflect.TypeOf(data)
	switch t.Kind() {
	case reflect.Slice:
		return reflect.MakeSlice(t, 0, 0).Interface().(T)
	case reflect.Map:
		return reflect.MakeMap(t).Interface().(T)
	}
	var zero T
	return zero
}
