package config

import "fmt"

// pos is where a value was written.
type pos struct {
	file string
	line int
}

func (p pos) String() string {
	switch {
	case p.file == "":
		return ""
	case p.line == 0:
		return p.file
	}
	return fmt.Sprintf("%s:%d", p.file, p.line)
}

type kind int

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
	kindList
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a string", "a number", "a boolean", "a list", "an object"}[k]
}

// node is one value of a parsed source: the common form of HCL, JSON and
// flags that the decoder reads.
type node struct {
	pos    pos
	kind   kind
	text   string // string value, or the number as written
	bool   bool
	list   []*node
	fields []field // in source order; a key may repeat (HCL blocks)
}

// field is one key of an object.
type field struct {
	key string
	pos pos
	val *node
}

func stringNode(p pos, s string) *node { return &node{pos: p, kind: kindString, text: s} }

// set appends key = val to an object node.
func (n *node) set(key string, val *node) {
	n.fields = append(n.fields, field{key: key, pos: val.pos, val: val})
}

// child returns the last object stored under key, creating it if needed;
// flags use it to build nested keys like ports.http.
func (n *node) child(key string) *node {
	for i := len(n.fields) - 1; i >= 0; i-- {
		if f := n.fields[i]; f.key == key && f.val.kind == kindObject {
			return f.val
		}
	}
	c := &node{pos: n.pos, kind: kindObject}
	n.set(key, c)
	return c
}

// generic converts a node into plain Go values (map[string]any, []any,
// string, float64 or int64, bool, nil) for free-form keys such as
// proxy.config.
func (n *node) generic() any {
	switch n.kind {
	case kindString:
		return n.text
	case kindNumber:
		return numberValue(n.text)
	case kindBool:
		return n.bool
	case kindList:
		out := make([]any, len(n.list))
		for i, e := range n.list {
			out[i] = e.generic()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.fields))
		for _, f := range n.fields {
			out[f.key] = f.val.generic()
		}
		return out
	}
	return nil
}
