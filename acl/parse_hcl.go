package acl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// readHCL reads rules in HCL, in the forms Consul's HCL1 files use:
//
//	operator = "read"
//	key_prefix "app/" { policy = "read" }
//	service "web" { policy = "write" intentions = "read" }
//
// hclsyntax lexes the text (strings, escapes, comments); the grammar is
// read here, over the tokens, because HCL2's parser refuses HCL1's
// one-line blocks with several fields. Newlines between items are
// optional and fields may be separated by commas, as in HCL1.
func readHCL(src string) ([]rawRule, error) {
	toks, diags := hclsyntax.LexConfig([]byte(src), "rules", hcl.InitialPos)
	if err := diagError(diags, ""); err != nil {
		return nil, err
	}
	p := &hclParser{src: []byte(src)}
	for _, t := range toks {
		if t.Type != hclsyntax.TokenComment && t.Type != hclsyntax.TokenNewline {
			p.toks = append(p.toks, t)
		}
	}
	var raws []rawRule
	for p.peek().Type != hclsyntax.TokenEOF {
		raw, err := p.item()
		if err != nil {
			return nil, err
		}
		raws = append(raws, raw)
	}
	return raws, nil
}

// hclParser walks the significant tokens of a rules text. The token list
// always ends with TokenEOF, and next never moves past it.
type hclParser struct {
	src  []byte
	toks hclsyntax.Tokens
	pos  int
}

func (p *hclParser) peek() hclsyntax.Token { return p.toks[p.pos] }

func (p *hclParser) next() hclsyntax.Token {
	t := p.toks[p.pos]
	if t.Type != hclsyntax.TokenEOF {
		p.pos++
	}
	return t
}

func syntaxError(t hclsyntax.Token, format string, args ...any) error {
	return &RuleError{Line: t.Range.Start.Line, Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)}
}

// describe names a token for an error message.
func describe(t hclsyntax.Token) string {
	if t.Type == hclsyntax.TokenEOF {
		return "end of rules"
	}
	return fmt.Sprintf("%q", t.Bytes)
}

// item reads `word = "value"` or `word "label"... { fields }`.
func (p *hclParser) item() (rawRule, error) {
	t := p.next()
	if t.Type != hclsyntax.TokenIdent {
		return rawRule{}, syntaxError(t, "expected a resource name, got %s", describe(t))
	}
	raw := rawRule{word: string(t.Bytes), line: t.Range.Start.Line}
	if p.peek().Type == hclsyntax.TokenEqual {
		p.next()
		v, err := p.value(raw)
		raw.value = v
		return raw, err
	}
	raw.block = true
	for p.peek().Type == hclsyntax.TokenOQuote {
		label, ok := p.str()
		if !ok {
			return raw, syntaxError(p.peek(), "a name must be a quoted string")
		}
		raw.labels = append(raw.labels, label)
	}
	if open := p.next(); open.Type != hclsyntax.TokenOBrace {
		return raw, syntaxError(open, "expected \"=\" or \"{\" after %s, got %s", raw.name(), describe(open))
	}
	return raw, p.fields(&raw)
}

// fields reads `name = "value"` pairs up to the block's closing brace.
func (p *hclParser) fields(raw *rawRule) error {
	for {
		t := p.next()
		switch t.Type {
		case hclsyntax.TokenCBrace:
			return nil
		case hclsyntax.TokenEOF:
			return raw.errorf(raw.line, ErrSyntax, "syntax error: block not closed")
		case hclsyntax.TokenIdent:
		default:
			return raw.errorf(t.Range.Start.Line, ErrSyntax, "syntax error: expected a field name or \"}\", got %s", describe(t))
		}
		if eq := p.next(); eq.Type != hclsyntax.TokenEqual {
			return raw.errorf(eq.Range.Start.Line, ErrInvalidRule, "expected \"=\" after %s, got %s", t.Bytes, describe(eq))
		}
		v, err := p.value(*raw)
		if err != nil {
			return err
		}
		raw.fields = append(raw.fields, rawField{name: string(t.Bytes), value: v, line: t.Range.Start.Line})
		if p.peek().Type == hclsyntax.TokenComma {
			p.next()
		}
	}
}

// value reads a quoted string; anything else (a bare word, a number, an
// interpolation) is an invalid rule.
func (p *hclParser) value(raw rawRule) (string, error) {
	t := p.peek()
	if v, ok := p.str(); ok {
		return v, nil
	}
	return "", raw.errorf(t.Range.Start.Line, ErrInvalidRule, "a policy must be a quoted string")
}

// str reads a quoted string with no interpolation, unescaping it through
// hclsyntax. It reports false, having consumed an unknown number of
// tokens, if the next tokens are not such a string.
func (p *hclParser) str() (string, bool) {
	open := p.next()
	if open.Type != hclsyntax.TokenOQuote {
		return "", false
	}
	// The common case, plain text without escapes, needs no parsing.
	if lit, end := p.toks[p.pos], p.toks[min(p.pos+1, len(p.toks)-1)]; lit.Type == hclsyntax.TokenQuotedLit &&
		end.Type == hclsyntax.TokenCQuote && !strings.ContainsAny(string(lit.Bytes), `\$%`) {
		p.pos += 2
		return string(lit.Bytes), true
	}
	for {
		t := p.next()
		switch t.Type {
		case hclsyntax.TokenQuotedLit:
			continue
		case hclsyntax.TokenCQuote:
			seg := p.src[open.Range.Start.Byte:t.Range.End.Byte]
			expr, diags := hclsyntax.ParseExpression(seg, "rules", open.Range.Start)
			if diags.HasErrors() {
				return "", false
			}
			return literalString(expr)
		}
		return "", false
	}
}

// literalString returns the value of a template made only of literal
// text.
func literalString(expr hclsyntax.Expression) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok {
		return "", false
	}
	var sb strings.Builder
	for _, part := range t.Parts {
		lit, ok := part.(*hclsyntax.LiteralValueExpr)
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
		return &RuleError{Line: line, Resource: resource, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)}
	}
	return nil
}
