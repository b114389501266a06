package config

import (
	"errors"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// parseHCL parses one HCL document into a tree. Attributes and blocks are
// both fields of the body's object, in source order; a block's labels nest
// (`a "b" { }` is a = { b = { } }). One-line blocks in HCL1 style are
// split first (hcl_compat.go), keeping the original line numbers.
func parseHCL(file string, src []byte) (*node, error) {
	rewritten, lines := splitOneLineBlocks(src)
	p := &hclParser{file: file, lines: lines}
	f, diags := hclsyntax.ParseConfig(rewritten, file, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, p.diagError(diags)
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, fmt.Errorf("%s: not native HCL syntax", file)
	}
	return p.body(body, p.pos(body.SrcRange), 0)
}

type hclParser struct {
	file  string
	lines []int // rewritten line -> original line (1-based; index 0 unused)
}

func (p *hclParser) pos(r hcl.Range) pos {
	line := r.Start.Line
	if line < len(p.lines) {
		line = p.lines[line]
	}
	return pos{file: p.file, line: line}
}

func (p *hclParser) diagError(diags hcl.Diagnostics) error {
	d := diags.Errs()[0]
	var hd *hcl.Diagnostic
	if errors.As(d, &hd) && hd.Subject != nil {
		msg := hd.Summary
		if hd.Detail != "" {
			msg += ": " + hd.Detail
		}
		return fmt.Errorf("%s: %s", p.pos(*hd.Subject), msg)
	}
	return fmt.Errorf("%s: %v", p.file, d)
}

func (p *hclParser) body(b *hclsyntax.Body, at pos, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nesting too deep", at)
	}
	type item struct {
		offset int
		key    string
		val    *node
	}
	var items []item
	for name, attr := range b.Attributes {
		v, err := p.expr(attr.Expr, depth+1)
		if err != nil {
			return nil, err
		}
		v.pos = p.pos(attr.SrcRange)
		items = append(items, item{attr.SrcRange.Start.Byte, name, v})
	}
	for _, blk := range b.Blocks {
		v, err := p.body(blk.Body, p.pos(blk.DefRange()), depth+1)
		if err != nil {
			return nil, err
		}
		for i := len(blk.Labels) - 1; i >= 0; i-- {
			wrap := &node{pos: v.pos, kind: kindObject}
			wrap.set(blk.Labels[i], v)
			v = wrap
		}
		items = append(items, item{blk.TypeRange.Start.Byte, blk.Type, v})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].offset < items[j].offset })
	n := &node{pos: at, kind: kindObject}
	for _, it := range items {
		n.set(it.key, it.val)
	}
	return n, nil
}

// expr converts an expression. Tuples and objects are walked so that their
// elements keep their own lines; anything else must evaluate without
// variables or functions.
func (p *hclParser) expr(e hclsyntax.Expression, depth int) (*node, error) {
	at := p.pos(e.Range())
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nesting too deep", at)
	}
	switch e := e.(type) {
	case *hclsyntax.TupleConsExpr:
		n := &node{pos: at, kind: kindList}
		for _, el := range e.Exprs {
			v, err := p.expr(el, depth+1)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, v)
		}
		return n, nil
	case *hclsyntax.ObjectConsExpr:
		n := &node{pos: at, kind: kindObject}
		for _, it := range e.Items {
			kv, diags := it.KeyExpr.Value(nil)
			if diags.HasErrors() || kv.IsNull() || !kv.Type().Equals(cty.String) {
				return nil, fmt.Errorf("%s: object keys must be names or strings", p.pos(it.KeyExpr.Range()))
			}
			v, err := p.expr(it.ValueExpr, depth+1)
			if err != nil {
				return nil, err
			}
			n.set(kv.AsString(), v)
		}
		return n, nil
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return nil, p.diagError(diags)
	}
	return ctyNode(at, v)
}

// ctyNode converts an evaluated value.
func ctyNode(at pos, v cty.Value) (*node, error) {
	if v.IsNull() {
		return &node{pos: at, kind: kindNull}, nil
	}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("%s: value is not known", at)
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return stringNode(at, v.AsString()), nil
	case t == cty.Number:
		return &node{pos: at, kind: kindNumber, text: numberText(v)}, nil
	case t == cty.Bool:
		return &node{pos: at, kind: kindBool, bool: v.True()}, nil
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		n := &node{pos: at, kind: kindList}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			c, err := ctyNode(at, ev)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, c)
		}
		return n, nil
	case t.IsMapType() || t.IsObjectType():
		n := &node{pos: at, kind: kindObject}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			c, err := ctyNode(at, ev)
			if err != nil {
				return nil, err
			}
			n.set(k.AsString(), c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("%s: unsupported value of type %s", at, t.FriendlyName())
}

func numberText(v cty.Value) string {
	bf := v.AsBigFloat()
	if bf.IsInt() {
		i, _ := bf.Int(nil)
		return i.String()
	}
	return bf.Text('g', -1)
}
