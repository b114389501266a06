package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// decoder fills Go values from a tree. Struct fields are matched by name
// ignoring case and underscores, so `enable_tag_override`,
// `EnableTagOverride` and `enableTagOverride` are the same key; a `cfg`
// struct tag adds aliases (`cfg:"checks,check"`).
//
// Decoding into a value that already holds data merges: scalars are
// replaced, slices appended to and maps merged, which is how later config
// sources override earlier ones.
type decoder struct {
	// lenient ignores unknown keys (HTTP bodies, as Consul does) and
	// accepts durations as nanoseconds. Files are strict: an unknown key
	// is an error, and scalars convert from strings ("8500" for a port).
	lenient bool
	// ignored are top-level keys (normalized) accepted but not acted on;
	// each use is reported in warnings instead of failing.
	ignored  map[string]bool
	warnings []string
}

// decodeError is a decode failure at a key.
type decodeError struct {
	at   pos
	path string
	msg  string
}

func (e *decodeError) Error() string {
	if p := e.at.String(); p != "" {
		return fmt.Sprintf("%s: %s: %s", p, e.path, e.msg)
	}
	return fmt.Sprintf("%q: %s", e.path, e.msg)
}

// defaulter is implemented by types with non-zero defaults that must be
// in place before their keys are decoded.
type defaulter interface{ setDefaults() }

// locator is implemented by types that remember where they were written.
type locator interface{ setPos(pos) }

// nodeDecoder is implemented by types that decode their node themselves
// (a free-form value that keeps the positions of its keys).
type nodeDecoder interface {
	decodeNode(n *node, path string) error
}

var durationType = reflect.TypeOf(time.Duration(0))

func (d *decoder) decode(n *node, v reflect.Value, path string) error {
	if n.kind == kindNull {
		return nil
	}
	if v.Type() == durationType {
		return d.duration(n, v, path)
	}
	if v.CanAddr() {
		if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
			return nd.decodeNode(n, path)
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(newValue(v.Type().Elem()))
		}
		return d.decode(n, v.Elem(), path)
	case reflect.Struct:
		return d.structValue(n, v, path)
	case reflect.Slice:
		return d.slice(n, v, path)
	case reflect.Map:
		return d.mapValue(n, v, path)
	case reflect.Interface:
		v.Set(reflect.ValueOf(n.generic()))
		return nil
	}
	return d.scalar(n, v, path)
}

// newValue allocates a *T with T's defaults applied.
func newValue(t reflect.Type) reflect.Value {
	p := reflect.New(t)
	if df, ok := p.Interface().(defaulter); ok {
		df.setDefaults()
	}
	return p
}

func (d *decoder) structValue(n *node, v reflect.Value, path string) error {
	if n.kind != kindObject {
		return d.mismatch(n, path, kindObject)
	}
	if l, ok := v.Addr().Interface().(locator); ok {
		l.setPos(n.pos)
	}
	fields := fieldsOf(v.Type())
	for _, f := range n.fields {
		sub := joinPath(path, f.key)
		idx, ok := fields[normalizeKey(f.key)]
		switch {
		case ok:
			if err := d.decode(f.val, v.FieldByIndex(idx), sub); err != nil {
				return err
			}
		case path == "" && d.ignored[normalizeKey(f.key)]:
			d.warnings = append(d.warnings, fmt.Sprintf("%s: %s is not supported yet and is ignored", f.pos, sub))
		case !d.lenient:
			return &decodeError{f.pos, sub, "unknown key"}
		}
	}
	return nil
}

func (d *decoder) slice(n *node, v reflect.Value, path string) error {
	items := n.list
	if n.kind != kindList {
		// A single value where a list is expected is a list of one:
		// repeated HCL blocks (`check { }` twice) and the HTTP API's
		// singular "Check" arrive this way. HTTP bodies must still use
		// lists for scalars, as Consul's do.
		if d.lenient && n.kind != kindObject {
			return d.mismatch(n, path, kindList)
		}
		items = []*node{n}
	}
	for i, item := range items {
		elem := newValue(v.Type().Elem()).Elem()
		if err := d.decode(item, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
		v.Set(reflect.Append(v, elem))
	}
	return nil
}

func (d *decoder) mapValue(n *node, v reflect.Value, path string) error {
	if n.kind != kindObject {
		return d.mismatch(n, path, kindObject)
	}
	if v.Type().Key().Kind() != reflect.String {
		return &decodeError{n.pos, path, "unsupported map key type"}
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for _, f := range n.fields {
		elem := newValue(v.Type().Elem()).Elem()
		if err := d.decode(f.val, elem, joinPath(path, f.key)); err != nil {
			return err
		}
		v.SetMapIndex(reflect.ValueOf(f.key).Convert(v.Type().Key()), elem)
	}
	return nil
}

func (d *decoder) scalar(n *node, v reflect.Value, path string) error {
	text, ok := d.scalarText(n, v.Kind())
	if !ok {
		return d.mismatch(n, path, wantKind(v.Kind()))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return d.mismatch(n, path, kindBool)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return &decodeError{n.pos, path, fmt.Sprintf("expected a whole number that fits in %d bits, got %s", v.Type().Bits(), text)}
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(text, 10, v.Type().Bits())
		if err != nil {
			return &decodeError{n.pos, path, fmt.Sprintf("expected a non-negative whole number that fits in %d bits, got %s", v.Type().Bits(), text)}
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(text, v.Type().Bits())
		if err != nil {
			return d.mismatch(n, path, kindNumber)
		}
		v.SetFloat(f)
	default:
		return &decodeError{n.pos, path, "unsupported field type " + v.Type().String()}
	}
	return nil
}

// scalarText returns the text of a scalar node for a field of kind k. The
// node's kind must match, except that files may write any scalar as a
// string and a string field accepts numbers and booleans.
func (d *decoder) scalarText(n *node, k reflect.Kind) (string, bool) {
	want := wantKind(k)
	switch {
	case n.kind == want:
	case want == kindString && (n.kind == kindNumber || n.kind == kindBool) && !d.lenient:
	case n.kind == kindString && !d.lenient && (want == kindNumber || want == kindBool):
	default:
		return "", false
	}
	if n.kind == kindBool {
		return strconv.FormatBool(n.bool), true
	}
	return n.text, true
}

func wantKind(k reflect.Kind) kind {
	switch k {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	}
	return kindNumber
}

// duration accepts "10s"-style strings everywhere, and nanosecond numbers
// in HTTP bodies (the official client sends time.Duration that way).
func (d *decoder) duration(n *node, v reflect.Value, path string) error {
	switch {
	case n.kind == kindString:
		dur, err := time.ParseDuration(n.text)
		if err != nil {
			return &decodeError{n.pos, path, fmt.Sprintf("invalid duration %q (want a number with a unit, like \"10s\")", n.text)}
		}
		v.SetInt(int64(dur))
	case n.kind == kindNumber && d.lenient:
		i, err := strconv.ParseInt(n.text, 10, 64)
		if err != nil {
			return &decodeError{n.pos, path, "expected a duration in nanoseconds or a string like \"10s\""}
		}
		v.SetInt(i)
	default:
		return &decodeError{n.pos, path, fmt.Sprintf("expected a duration string like \"10s\", got %s", n.kind)}
	}
	return nil
}

func (d *decoder) mismatch(n *node, path string, want kind) error {
	return &decodeError{n.pos, path, fmt.Sprintf("expected %s, got %s", want, n.kind)}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// normalizeKey folds the spellings of a key: case and underscores (and
// dashes) do not matter.
func normalizeKey(k string) string {
	k = strings.ToLower(k)
	if strings.ContainsAny(k, "_-") {
		k = strings.NewReplacer("_", "", "-", "").Replace(k)
	}
	return k
}

var fieldCache sync.Map // reflect.Type -> map[string][]int

// fieldsOf maps the normalized names and aliases of a struct's exported
// fields (embedded structs flattened) to their index paths.
func fieldsOf(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	m := map[string][]int{}
	collectFields(t, nil, m)
	fieldCache.Store(t, m)
	return m
}

func collectFields(t reflect.Type, prefix []int, m map[string][]int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		idx := append(append([]int(nil), prefix...), i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			collectFields(f.Type, idx, m)
			continue
		}
		tag := f.Tag.Get("cfg")
		if !f.IsExported() || tag == "-" {
			continue
		}
		m[normalizeKey(f.Name)] = idx
		for _, alias := range strings.Split(tag, ",") {
			if alias != "" {
				m[normalizeKey(alias)] = idx
			}
		}
	}
}
