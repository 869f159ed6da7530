// Package query implements the query service of the Enterprise Manager API:
// the filter language (lexer, recursive-descent parser, typed tree, printer),
// the parsing of GET /api/query requests with every encoding real clients
// send, the paging links of the answer, and Match/Run, the plain in-memory
// meaning of a query that the stores are tested against.
//
// Grammar (';' is AND and binds tighter than ',' which is OR):
//
//	expr  := and ( ',' and )*
//	and   := term ( ';' term )*
//	term  := '(' expr ')' | field op value
//	op    := '==' | '!=' | '<' | '<=' | '>' | '>='
//	value := '"' { char | '""' } '"' | unquoted text up to ';' ',' ')' or the end
//
// Spaces outside quotes are ignored. Field names and enum values match in any
// letter case. Values are typed by their field; see Parse.
package query

import (
	"strings"
	"unicode/utf8"

	"github.com/emcdp/emcdp"
)

// maxDepth bounds parenthesis nesting so that hostile input cannot exhaust
// the stack.
const maxDepth = 100

// MaxTerms is the largest number of comparisons that one query may hold,
// summed over all its filters. A larger filter is refused with EInvalid
// (400) before it reaches a store; the stores compile filters of this size
// into balanced SQL that stays far below every engine's depth and parameter
// limits.
const MaxTerms = 1000

// Parse parses a filter for kind k into a canonical typed tree: an And never
// holds an And, an Or never holds an Or, and a group of one term is the term
// itself. An empty or blank filter gives nil (every row).
//
// Values are typed by the field they are compared with: String (any text),
// UidType ("urn:veeam:<Type>:<guid>" naming the field's kind, or a bare GUID
// for the Id/UID field), DateTime (see parseDateTime), Int/Long (decimal),
// Boolean (true/false in any case; == and != only) and Enum (a value name in
// any case, stored as its position).
//
// Errors are *emcdp.Error with Code EInvalid and a message naming the problem
// and its 1-based character position.
func Parse(k emcdp.Kind, filter string) (emcdp.Expr, error) {
	if len(emcdp.Fields(k)) == 0 {
		return nil, emcdp.Errorf(emcdp.EInvalid, "Query filter is invalid: type %s has no queryable fields", k)
	}
	if err := checkText(filter); err != nil {
		return nil, err
	}
	toks, serr := lex(filter)
	if serr != nil {
		return nil, errorAt(filter, serr)
	}
	if len(toks) == 1 { // only EOF: blank filter
		return nil, nil
	}
	p := &parser{kind: k, toks: toks}
	e, serr := p.parse()
	if serr != nil {
		return nil, errorAt(filter, serr)
	}
	return e, nil
}

// parser is a recursive-descent parser over the token list of one filter.
type parser struct {
	kind  emcdp.Kind
	toks  []token
	i     int
	terms int // comparisons parsed so far
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.typ != tEOF {
		p.i++
	}
	return t
}

func (p *parser) parse() (emcdp.Expr, *syntaxError) {
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.typ {
	case tEOF:
		return e, nil
	case tRParen:
		return nil, errf(t.pos, "unbalanced parenthesis ')'")
	default:
		return nil, errf(t.pos, "missing ';' or ',' between terms")
	}
}

// expr parses an OR of ANDs.
func (p *parser) expr(depth int) (emcdp.Expr, *syntaxError) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	if p.peek().typ != tOr {
		return first, nil
	}
	terms := appendFlat(nil, first, false)
	for p.peek().typ == tOr {
		sep := p.next()
		if err := p.checkTermFollows(sep); err != nil {
			return nil, err
		}
		t, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		terms = appendFlat(terms, t, false)
	}
	return &emcdp.Or{Terms: terms}, nil
}

// and parses terms joined by ';'.
func (p *parser) and(depth int) (emcdp.Expr, *syntaxError) {
	first, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	if p.peek().typ != tAnd {
		return first, nil
	}
	terms := appendFlat(nil, first, true)
	for p.peek().typ == tAnd {
		sep := p.next()
		if err := p.checkTermFollows(sep); err != nil {
			return nil, err
		}
		t, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		terms = appendFlat(terms, t, true)
	}
	return &emcdp.And{Terms: terms}, nil
}

// checkTermFollows reports a separator that is not followed by a term: at the
// end or before ')' it dangles; before another separator the term between
// them is empty.
func (p *parser) checkTermFollows(sep token) *syntaxError {
	switch t := p.peek(); t.typ {
	case tEOF, tRParen:
		return errf(sep.pos, "dangling operator '%s'", sepText(sep.typ))
	case tAnd, tOr:
		return errf(t.pos, "empty term before '%s'", sepText(t.typ))
	}
	return nil
}

func sepText(t tokType) string {
	if t == tAnd {
		return ";"
	}
	return ","
}

// appendFlat appends e to terms, splicing in the terms of a nested node of
// the same kind so that trees are canonical.
func appendFlat(terms []emcdp.Expr, e emcdp.Expr, and bool) []emcdp.Expr {
	if and {
		if a, ok := e.(*emcdp.And); ok {
			return append(terms, a.Terms...)
		}
	} else if o, ok := e.(*emcdp.Or); ok {
		return append(terms, o.Terms...)
	}
	return append(terms, e)
}

// term parses a parenthesised group or one comparison.
func (p *parser) term(depth int) (emcdp.Expr, *syntaxError) {
	t := p.next()
	switch t.typ {
	case tLParen:
		if depth >= maxDepth {
			return nil, errf(t.pos, "parentheses nested deeper than %d", maxDepth)
		}
		switch n := p.peek(); n.typ {
		case tRParen:
			return nil, errf(t.pos, "empty term '()'")
		case tEOF:
			return nil, errf(t.pos, "unbalanced parenthesis '('")
		case tAnd, tOr:
			return nil, errf(n.pos, "dangling operator '%s'", sepText(n.typ))
		}
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if n := p.peek(); n.typ != tRParen {
			if n.typ == tEOF {
				return nil, errf(t.pos, "unbalanced parenthesis '('")
			}
			return nil, errf(n.pos, "missing ';' or ',' between terms")
		}
		p.next()
		return e, nil
	case tField:
		return p.comparison(t)
	case tRParen:
		return nil, errf(t.pos, "unbalanced parenthesis ')'")
	case tAnd, tOr:
		return nil, errf(t.pos, "dangling operator '%s'", sepText(t.typ))
	case tOp:
		return nil, errf(t.pos, "missing field name before '%s'", t.op)
	case tEOF:
		return nil, errf(t.pos, "empty term")
	}
	return nil, errf(t.pos, "unexpected token")
}

// comparison parses "field op value" once the field token is read.
func (p *parser) comparison(ft token) (emcdp.Expr, *syntaxError) {
	if p.terms++; p.terms > MaxTerms {
		return nil, errf(ft.pos, "more than %d terms", MaxTerms)
	}
	f, ok := emcdp.LookupField(p.kind, ft.text)
	if !ok {
		return nil, errf(ft.pos, "unknown field '%s' for type %s", clip(ft.text), p.kind)
	}
	ot := p.next()
	if ot.typ != tOp {
		return nil, errf(ot.pos, "missing operator after field '%s'", f.Name)
	}
	if f.Type == emcdp.TypeBool && ot.op != emcdp.OpEq && ot.op != emcdp.OpNe {
		return nil, errf(ot.pos, "operator '%s' not allowed for Boolean field '%s' (use == or !=)", ot.op, f.Name)
	}
	vt := p.next()
	if vt.typ != tValue || (vt.text == "" && !vt.quoted) {
		return nil, errf(vt.pos, "missing value after '%s'", ot.op)
	}
	v, err := typedValue(p.kind, f, vt)
	if err != nil {
		return nil, err
	}
	return &emcdp.Term{Field: f, Op: ot.op, Value: v}, nil
}

// typedValue converts the text of a value token to the type of field f.
func typedValue(k emcdp.Kind, f emcdp.Field, vt token) (emcdp.Value, *syntaxError) {
	s := vt.text
	wrong := func(want string) *syntaxError {
		return errf(vt.pos, "value of the wrong type for field '%s' (expected %s): '%s'", f.Name, want, clip(s))
	}
	switch f.Type {
	case emcdp.TypeString:
		return emcdp.Value{Str: s}, nil
	case emcdp.TypeUID:
		want := "urn:veeam:" + f.Ref.String() + ":<guid>"
		if kk, id, ok := emcdp.ParseUID(s); ok {
			if kk != f.Ref && !(f.Ref == emcdp.KindJob && emcdp.IsJobKind(kk)) {
				return emcdp.Value{}, wrong(want)
			}
			return emcdp.Value{ID: id}, nil
		}
		if f.Column == "id" {
			if id, ok := emcdp.ParseID(s); ok {
				return emcdp.Value{ID: id}, nil
			}
		}
		return emcdp.Value{}, wrong(want)
	case emcdp.TypeDateTime:
		t, ok := parseDateTime(s)
		if !ok {
			return emcdp.Value{}, wrong("DateTime such as 2026-06-15 or 2026-06-15T06:00:00Z")
		}
		return emcdp.Value{Time: t}, nil
	case emcdp.TypeInt:
		n, ok := parseInt(s)
		if !ok {
			return emcdp.Value{}, wrong("an integer")
		}
		return emcdp.Value{Int: n}, nil
	case emcdp.TypeDouble:
		x, ok := parseDouble(s)
		if !ok {
			return emcdp.Value{}, wrong("a number such as 1.5")
		}
		return emcdp.Value{Float: x}, nil
	case emcdp.TypeBool:
		switch {
		case strings.EqualFold(s, "true"):
			return emcdp.Value{Bool: true}, nil
		case strings.EqualFold(s, "false"):
			return emcdp.Value{}, nil
		}
		return emcdp.Value{}, wrong("true or false")
	case emcdp.TypeEnum:
		n, ok := emcdp.ParseEnum(f.Enum, s)
		if !ok {
			return emcdp.Value{}, errf(vt.pos, "unknown value '%s' for field '%s' (expected one of %s)",
				clip(s), f.Name, strings.Join(f.Enum, ", "))
		}
		return emcdp.Value{Int: int64(n)}, nil
	}
	return emcdp.Value{}, errf(vt.pos, "field '%s' cannot be compared", f.Name)
}

// checkText refuses a filter holding a NUL byte or bytes that are not UTF-8:
// no field can match them, and a database would refuse them as parameters.
func checkText(filter string) error {
	for i, r := range filter {
		if r == 0 || (r == utf8.RuneError && !strings.HasPrefix(filter[i:], "\uFFFD")) {
			return errorAt(filter, errf(i, "a NUL byte or a byte that is not UTF-8"))
		}
	}
	return nil
}

// CountTerms returns the number of comparisons in a filter tree.
func CountTerms(e emcdp.Expr) int {
	switch e := e.(type) {
	case *emcdp.And:
		n := 0
		for _, t := range e.Terms {
			n += CountTerms(t)
		}
		return n
	case *emcdp.Or:
		n := 0
		for _, t := range e.Terms {
			n += CountTerms(t)
		}
		return n
	case *emcdp.Term:
		return 1
	}
	return 0
}
