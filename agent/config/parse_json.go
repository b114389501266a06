package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

// parseJSON parses one JSON document into a tree. file names the source in
// positions ("" for HTTP bodies).
func parseJSON(file string, src []byte) (*node, error) {
	p := &jsonParser{file: file, src: src, dec: json.NewDecoder(bytes.NewReader(src)), lines: lineStarts(src)}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, p.wrap(err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.wrap(errors.New("unexpected data after the top-level value"))
	}
	return n, nil
}

type jsonParser struct {
	file  string
	src   []byte
	dec   *json.Decoder
	lines []int
}

// pos is the position of the next token: the decoder's offset is just
// past the previous one, so separators and blanks are skipped first.
func (p *jsonParser) pos() pos {
	off := int(p.dec.InputOffset())
	for off < len(p.src) && bytes.IndexByte([]byte(" \t\r\n:,"), p.src[off]) >= 0 {
		off++
	}
	return pos{file: p.file, line: lineOf(p.lines, off)}
}

func (p *jsonParser) wrap(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s: invalid JSON: %v", pos{p.file, lineOf(p.lines, int(se.Offset)-1)}, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of JSON")
	}
	if p.file == "" {
		return err
	}
	return fmt.Errorf("%s: %w", p.pos(), err)
}

func (p *jsonParser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("nesting too deep")
	}
	at := p.pos()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return p.object(at, depth)
		}
		if t == '[' {
			return p.list(at, depth)
		}
		return nil, fmt.Errorf("unexpected %q", rune(t))
	case string:
		return stringNode(at, t), nil
	case json.Number:
		return &node{pos: at, kind: kindNumber, text: t.String()}, nil
	case bool:
		return &node{pos: at, kind: kindBool, bool: t}, nil
	case nil:
		return &node{pos: at, kind: kindNull}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func (p *jsonParser) object(at pos, depth int) (*node, error) {
	n := &node{pos: at, kind: kindObject}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key must be a string, not %v", tok)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.set(key, v)
	}
	_, err := p.dec.Token() // '}'
	return n, err
}

func (p *jsonParser) list(at pos, depth int) (*node, error) {
	n := &node{pos: at, kind: kindList}
	for p.dec.More() {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.list = append(n.list, v)
	}
	_, err := p.dec.Token() // ']'
	return n, err
}

// lineStarts returns the offset just past each newline, so that the line
// of offset o is the number of entries <= o, plus one.
func lineStarts(src []byte) []int {
	var out []int
	for i, b := range src {
		if b == '\n' {
			out = append(out, i+1)
		}
	}
	return out
}

// lineOf is the 1-based line of byte offset off.
func lineOf(lines []int, off int) int { return sort.SearchInts(lines, off+1) + 1 }

// numberValue turns number text into an int64 when it is integral and a
// float64 otherwise.
func numberValue(text string) any {
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i
	}
	f, _ := strconv.ParseFloat(text, 64)
	return f
}
