package acl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// maxJSONDepth bounds nesting; real rule sets need four levels.
const maxJSONDepth = 16

// jsonValue is a decoded JSON value with the line it starts on; objects
// keep their keys in source order (a key may repeat).
type jsonValue struct {
	line   int
	kind   byte // '{', '[', '"' or 0 for numbers, booleans and null
	str    string
	keys   []string
	values []*jsonValue // object values, or array elements
}

// readJSON reads rules as JSON:
//
//	{"operator": "read", "key_prefix": {"app/": {"policy": "read"}}}
//
// A named resource's value may also be a list of such objects, as HCL1
// JSON writers produce.
func readJSON(src string) ([]rawRule, error) {
	d := &jsonDecoder{dec: json.NewDecoder(bytes.NewReader([]byte(src))), lines: lineStarts(src)}
	d.dec.UseNumber()
	root, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, &RuleError{Line: d.line(), Err: fmt.Errorf("%w: data after the top-level object", ErrSyntax)}
	}
	if root.kind != '{' {
		return nil, &RuleError{Line: root.line, Err: fmt.Errorf("%w: rules must be a JSON object", ErrSyntax)}
	}
	var raws []rawRule
	for i, word := range root.keys {
		rs, err := jsonRules(word, root.values[i])
		if err != nil {
			return nil, err
		}
		raws = append(raws, rs...)
	}
	return raws, nil
}

// jsonRules reads one top-level member: a policy string for resources
// without segments, or an object (or list of objects) of segments.
func jsonRules(word string, v *jsonValue) ([]rawRule, error) {
	if _, ok := resourceWords[word]; !ok {
		return nil, rawRule{word: word}.errorf(v.line, ErrUnknownResource, "unknown resource %q", word)
	}
	switch v.kind {
	case '"':
		return []rawRule{{word: word, line: v.line, value: v.str}}, nil
	case '[':
		var out []rawRule
		for _, e := range v.values {
			if e.kind != '{' {
				return nil, rawRule{word: word}.errorf(e.line, ErrInvalidRule, "expected an object of names")
			}
			rs, err := jsonRules(word, e)
			if err != nil {
				return nil, err
			}
			out = append(out, rs...)
		}
		return out, nil
	case '{':
		out := make([]rawRule, 0, len(v.keys))
		for i, seg := range v.keys {
			r, err := jsonBlock(word, seg, v.values[i])
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, rawRule{word: word}.errorf(v.line, ErrInvalidRule, "expected a policy string or an object of names")
}

// jsonBlock reads {"policy": "...", "intentions": "..."} for one segment.
func jsonBlock(word, seg string, v *jsonValue) (rawRule, error) {
	raw := rawRule{word: word, line: v.line, block: true, labels: []string{seg}}
	if v.kind != '{' {
		return raw, raw.errorf(v.line, ErrInvalidRule, "expected an object with a policy")
	}
	for i, k := range v.keys {
		f := v.values[i]
		if f.kind != '"' {
			return raw, raw.errorf(f.line, ErrInvalidRule, "%s must be a string", k)
		}
		raw.fields = append(raw.fields, rawField{name: k, value: f.str, line: f.line})
	}
	return raw, nil
}

// jsonDecoder builds jsonValues from a token stream, tracking lines.
type jsonDecoder struct {
	dec   *json.Decoder
	lines []int // byte offset at which each line starts
}

func lineStarts(src string) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// line is the line of the last token read (where it ends; JSON tokens
// never span lines).
func (d *jsonDecoder) line() int {
	off := int(d.dec.InputOffset())
	if off > 0 {
		off--
	}
	return sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off })
}

func (d *jsonDecoder) syntax(err error) error {
	line := d.line()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset) - 1
		line = sort.Search(len(d.lines), func(i int) bool { return d.lines[i] > off })
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &RuleError{Line: max(line, 1), Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
}

func (d *jsonDecoder) value(depth int) (*jsonValue, error) {
	if depth > maxJSONDepth {
		return nil, &RuleError{Line: d.line(), Err: fmt.Errorf("%w: nested too deeply", ErrSyntax)}
	}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	v := &jsonValue{line: d.line()}
	switch t := tok.(type) {
	case string:
		v.kind, v.str = '"', t
	case json.Delim:
		v.kind = byte(t)
		if t == '{' {
			err = d.object(v, depth)
		} else {
			err = d.array(v, depth)
		}
	}
	return v, err
}

func (d *jsonDecoder) object(v *jsonValue, depth int) error {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.syntax(err)
		}
		key, _ := tok.(string) // the decoder only gives strings as keys
		val, err := d.value(depth + 1)
		if err != nil {
			return err
		}
		v.keys = append(v.keys, key)
		v.values = append(v.values, val)
	}
	if _, err := d.dec.Token(); err != nil {
		return d.syntax(err)
	}
	return nil
}

func (d *jsonDecoder) array(v *jsonValue, depth int) error {
	for d.dec.More() {
		val, err := d.value(depth + 1)
		if err != nil {
			return err
		}
		v.values = append(v.values, val)
	}
	if _, err := d.dec.Token(); err != nil {
		return d.syntax(err)
	}
	return nil
}
