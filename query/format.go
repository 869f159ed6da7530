package query

import (
	"strconv"
	"strings"

	"github.com/emcdp/emcdp"
)

// Format prints e as filter text that Parse reads back to an equal tree
// (for the canonical trees that Parse and RandomExpr build). Strings are
// always quoted, with quotes doubled; DateTimes are written in UTC with up
// to seven fractional digits and a Z; UIDs as urn:veeam:<Type>:<guid>; enum
// values by name. An Or inside an And is parenthesised; an And inside an Or
// needs no parentheses since ';' binds tighter. A nil tree prints as "".
func Format(e emcdp.Expr) string {
	var b strings.Builder
	writeExpr(&b, e, false)
	return b.String()
}

// writeExpr writes e; inAnd tells that e is a term of an And, where an Or
// needs parentheses. An Or or And inside a node of its own kind (which Parse
// never builds) is parenthesised too, so that the text keeps its meaning.
func writeExpr(b *strings.Builder, e emcdp.Expr, inAnd bool) {
	switch e := e.(type) {
	case *emcdp.Or:
		if inAnd {
			b.WriteByte('(')
		}
		for i, t := range e.Terms {
			if i > 0 {
				b.WriteByte(',')
			}
			_, isOr := t.(*emcdp.Or)
			if isOr {
				b.WriteByte('(')
			}
			writeExpr(b, t, false)
			if isOr {
				b.WriteByte(')')
			}
		}
		if inAnd {
			b.WriteByte(')')
		}
	case *emcdp.And:
		for i, t := range e.Terms {
			if i > 0 {
				b.WriteByte(';')
			}
			_, isAnd := t.(*emcdp.And)
			if isAnd {
				b.WriteByte('(')
			}
			writeExpr(b, t, true)
			if isAnd {
				b.WriteByte(')')
			}
		}
	case *emcdp.Term:
		b.WriteString(e.Field.Name)
		b.WriteString(e.Op.String())
		b.WriteString(FormatValue(e.Field, e.Value))
	}
}

// FormatValue writes one value of field f as a filter literal.
func FormatValue(f emcdp.Field, v emcdp.Value) string {
	switch f.Type {
	case emcdp.TypeString:
		return `"` + strings.ReplaceAll(v.Str, `"`, `""`) + `"`
	case emcdp.TypeUID:
		return f.Ref.UID(v.ID)
	case emcdp.TypeDateTime:
		return formatDateTime(v.Time)
	case emcdp.TypeInt:
		return strconv.FormatInt(v.Int, 10)
	case emcdp.TypeDouble:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case emcdp.TypeBool:
		return strconv.FormatBool(v.Bool)
	case emcdp.TypeEnum:
		if v.Int >= 0 && v.Int < int64(len(f.Enum)) {
			return f.Enum[v.Int]
		}
		return strconv.FormatInt(v.Int, 10)
	}
	return ""
}
