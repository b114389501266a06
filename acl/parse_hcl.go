package acl

import (
	"cmp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// readHCL reads rules in HCL native syntax, in the form Consul's HCL1
// files use: `operator = "read"` and `key_prefix "app/" { policy = "read" }`.
// Rules come back in source order.
func readHCL(src string) ([]rawRule, error) {
	f, diags := hclsyntax.ParseConfig([]byte(src), "rules", hcl.InitialPos)
	if err := diagError(diags, ""); err != nil {
		return nil, err
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, &RuleError{Line: 1, Err: ErrSyntax}
	}
	var raws []rawRule
	for _, a := range body.Attributes {
		raw := rawRule{word: a.Name, line: a.SrcRange.Start.Line}
		v, err := hclString(a.Expr, raw)
		if err != nil {
			return nil, err
		}
		raw.value = v
		raws = append(raws, raw)
	}
	for _, b := range body.Blocks {
		raw, err := hclBlock(b)
		if err != nil {
			return nil, err
		}
		raws = append(raws, raw)
	}
	slices.SortStableFunc(raws, func(a, b rawRule) int { return cmp.Compare(a.line, b.line) })
	return raws, nil
}

// hclBlock reads `word "label" { policy = "..." intentions = "..." }`.
func hclBlock(b *hclsyntax.Block) (rawRule, error) {
	raw := rawRule{word: b.Type, line: b.TypeRange.Start.Line, block: true, labels: b.Labels}
	if len(b.Body.Blocks) > 0 {
		nb := b.Body.Blocks[0]
		return raw, raw.errorf(nb.TypeRange.Start.Line, ErrInvalidRule, "unexpected block %q inside a rule", nb.Type)
	}
	for _, a := range b.Body.Attributes {
		v, err := hclString(a.Expr, raw)
		if err != nil {
			return raw, err
		}
		raw.fields = append(raw.fields, rawField{name: a.Name, value: v, line: a.SrcRange.Start.Line})
	}
	slices.SortStableFunc(raw.fields, func(a, b rawField) int {
		return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.name, b.name))
	})
	return raw, nil
}

// hclString reads a quoted string literal; anything else (a bare word,
// an interpolation, a number) is an invalid rule.
func hclString(expr hclsyntax.Expression, raw rawRule) (string, error) {
	if s, ok := literalString(expr); ok {
		return s, nil
	}
	return "", raw.errorf(expr.Range().Start.Line, ErrInvalidRule, "a policy must be a quoted string")
}

func literalString(expr hclsyntax.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok {
		return "", false
	}
	var sb strings.Builder
	for _, p := range t.Parts {
		lit, ok := p.(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.IsNull() || !lit.Val.IsKnown() || lit.Val.Type().FriendlyName() != "string" {
			return "", false
		}
		sb.WriteString(lit.Val.AsString())
	}
	return sb.String(), true
}

// diagError turns the first error of diags into a *RuleError.
func diagError(diags hcl.Diagnostics, resource string) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		line := 1
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		sentinel := ErrSyntax
		if resource != "" {
			sentinel = ErrInvalidRule
		}
		return &RuleError{Line: line, Resource: resource, Err: wrapped{sentinel, msg}}
	}
	return nil
}
