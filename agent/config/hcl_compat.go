package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// splitOneLineBlocks rewrites HCL1-style one-line blocks such as
//
//	acl { enabled = true default_policy = "deny" }
//
// which HCL2 rejects (a one-line block may hold one argument), by putting
// a newline after the block's "{", before each later argument, and before
// its "}". It returns the new source and, for each new line, the line it
// came from, so errors still point at what the user wrote. Source that the
// lexer rejects is returned unchanged for the parser to report.
func splitOneLineBlocks(src []byte) ([]byte, []int) {
	toks, diags := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		return src, identityLines(src)
	}
	breaks := blockBreaks(toks)
	if len(breaks) == 0 {
		return src, identityLines(src)
	}
	out := make([]byte, 0, len(src)+len(breaks))
	lines := []int{0, 1}
	orig := 1
	for i, b := range src {
		if breaks[i] {
			out = append(out, '\n')
			lines = append(lines, orig)
		}
		out = append(out, b)
		if b == '\n' {
			orig++
			lines = append(lines, orig)
		}
	}
	return out, lines
}

// blockBreaks finds the byte offsets where a newline must go. It tracks the
// nesting of brackets to know whether a token sits directly in a block
// body, where arguments start with a name followed by "=" or "{".
func blockBreaks(toks hclsyntax.Tokens) map[int]bool {
	breaks := map[int]bool{}
	stack := []bool{true} // is this level a body (top level or block)?
	typ := func(i int) hclsyntax.TokenType {
		if i < 0 || i >= len(toks) {
			return hclsyntax.TokenNewline
		}
		return toks[i].Type
	}
	for i, t := range toks {
		inBody := stack[len(stack)-1]
		switch t.Type {
		case hclsyntax.TokenOBrace:
			isBlock := inBody && (typ(i-1) == hclsyntax.TokenIdent || typ(i-1) == hclsyntax.TokenCQuote)
			stack = append(stack, isBlock)
			if isBlock && typ(i+1) != hclsyntax.TokenNewline && typ(i+1) != hclsyntax.TokenCBrace {
				breaks[toks[i+1].Range.Start.Byte] = true
			}
		case hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote,
			hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			stack = append(stack, false)
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if t.Type == hclsyntax.TokenCBrace && inBody && len(stack) > 1 &&
				typ(i-1) != hclsyntax.TokenNewline && typ(i-1) != hclsyntax.TokenOBrace {
				breaks[t.Range.Start.Byte] = true
			}
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenIdent:
			startsArg := typ(i+1) == hclsyntax.TokenEqual || typ(i+1) == hclsyntax.TokenOBrace || typ(i+1) == hclsyntax.TokenOQuote
			prev := typ(i - 1)
			if inBody && len(stack) > 1 && startsArg && prev != hclsyntax.TokenNewline &&
				prev != hclsyntax.TokenOBrace && prev != hclsyntax.TokenEqual && prev != hclsyntax.TokenComma {
				breaks[t.Range.Start.Byte] = true
			}
		}
	}
	return breaks
}

func identityLines(src []byte) []int {
	n := 2
	for _, b := range src {
		if b == '\n' {
			n++
		}
	}
	lines := make([]int, n)
	for i := range lines {
		lines[i] = i
	}
	return lines
}
