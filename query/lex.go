package query

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/emcdp/emcdp"
)

// tokType is the kind of a lexical token of the filter language.
type tokType int8

const (
	tEOF    tokType = iota
	tLParen         // (
	tRParen         // )
	tAnd            // ;
	tOr             // ,
	tOp             // == != < <= > >=
	tField          // a field name
	tValue          // the value after an operator, quoted or not
)

// token is one lexical item. pos is the byte offset of its first character in
// the filter text; text is the field name or the value (unquoted, with
// doubled quotes resolved and, for unquoted values, spaces removed).
type token struct {
	typ    tokType
	pos    int
	text   string
	op     emcdp.Op
	quoted bool
}

// syntaxError is a parse failure at a byte offset of the filter text. It is
// turned into an *emcdp.Error, with a 1-based character position, by errorAt.
type syntaxError struct {
	pos int
	msg string
}

func errf(pos int, format string, args ...any) *syntaxError {
	return &syntaxError{pos: pos, msg: fmt.Sprintf(format, args...)}
}

// errorAt renders a syntax error for the client. Positions count characters
// (runes), not bytes, from 1, so that they match what a person reading the
// filter sees.
func errorAt(src string, e *syntaxError) *emcdp.Error {
	p := e.pos
	if p > len(src) {
		p = len(src)
	}
	n := utf8.RuneCountInString(src[:p]) + 1
	return emcdp.Errorf(emcdp.EInvalid, "Query filter is invalid: %s at position %d", e.msg, n)
}

// clip makes client text safe and short for an error message: invalid UTF-8
// and control characters are replaced, and more than 64 characters are cut.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 64 {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// isSpace reports the characters that the filter language ignores outside
// quotes.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isNameChar reports the characters of a field name: [A-Za-z0-9_], as the
// reference describes parameter names.
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// lex splits a filter into tokens. The language is context dependent only in
// one place: after an operator comes a value, which may hold any character
// but the separators, so the lexer switches to value mode after each
// operator. Spaces outside quotes are dropped, also inside unquoted values
// and names, as the reference says the server does.
func lex(src string) ([]token, *syntaxError) {
	var toks []token
	afterOp := false
	i := 0
	for {
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i >= len(src) {
			toks = append(toks, token{typ: tEOF, pos: len(src)})
			return toks, nil
		}
		if afterOp {
			afterOp = false
			t, next, err := lexValue(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i = next
			continue
		}
		c := src[i]
		switch {
		case c == '(':
			toks = append(toks, token{typ: tLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{typ: tRParen, pos: i})
			i++
		case c == ';':
			toks = append(toks, token{typ: tAnd, pos: i})
			i++
		case c == ',':
			toks = append(toks, token{typ: tOr, pos: i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			op, n, ok := lexOp(src[i:])
			if !ok {
				return nil, errf(i, "invalid operator '%s' (use ==, !=, <, <=, > or >=)", src[i:i+1])
			}
			toks = append(toks, token{typ: tOp, pos: i, op: op})
			i += n
			afterOp = true
		case isNameChar(c):
			start := i
			var b strings.Builder
			for i < len(src) && (isNameChar(src[i]) || isSpace(src[i])) {
				if !isSpace(src[i]) {
					b.WriteByte(src[i])
				}
				i++
			}
			toks = append(toks, token{typ: tField, pos: start, text: b.String()})
		case c == '"':
			return nil, errf(i, "quoted value where a field name is expected")
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, errf(i, "unexpected character %q", r)
		}
	}
}

// lexOp reads one of the six operators at the start of s.
func lexOp(s string) (emcdp.Op, int, bool) {
	two := len(s) >= 2 && s[1] == '='
	switch s[0] {
	case '=':
		if two {
			return emcdp.OpEq, 2, true
		}
	case '!':
		if two {
			return emcdp.OpNe, 2, true
		}
	case '<':
		if two {
			return emcdp.OpLe, 2, true
		}
		return emcdp.OpLt, 1, true
	case '>':
		if two {
			return emcdp.OpGe, 2, true
		}
		return emcdp.OpGt, 1, true
	}
	return 0, 0, false
}

// isValueEnd reports the characters that end an unquoted value.
func isValueEnd(c byte) bool { return c == ';' || c == ',' || c == ')' }

// lexValue reads a value starting at src[i] (not a space). A quoted value
// runs to the next lone quote, with "" standing for a literal quote; after it
// only spaces may come before a separator. An unquoted value runs up to
// ';', ',', ')' or the end, spaces removed; a quote inside it is an error,
// since it can only come from a mistyped quoted value.
func lexValue(src string, i int) (token, int, *syntaxError) {
	start := i
	if src[i] == '"' {
		var b strings.Builder
		i++
		for {
			if i >= len(src) {
				return token{}, 0, errf(start, "unterminated quote")
			}
			c := src[i]
			if c == '"' {
				if i+1 < len(src) && src[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					continue
				}
				i++
				break
			}
			b.WriteByte(c)
			i++
		}
		for i < len(src) && isSpace(src[i]) {
			i++
		}
		if i < len(src) && !isValueEnd(src[i]) {
			r, _ := utf8.DecodeRuneInString(src[i:])
			return token{}, 0, errf(i, "unexpected %q after a quoted value (missing ';' or ',')", r)
		}
		return token{typ: tValue, pos: start, text: b.String(), quoted: true}, i, nil
	}
	var b strings.Builder
	for i < len(src) && !isValueEnd(src[i]) {
		c := src[i]
		if c == '"' {
			return token{}, 0, errf(i, "unexpected quote inside an unquoted value (quote the whole value)")
		}
		if !isSpace(c) {
			b.WriteByte(c)
		}
		i++
	}
	return token{typ: tValue, pos: start, text: b.String()}, i, nil
}
