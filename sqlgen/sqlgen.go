// Package sqlgen compiles an emcdp.Query (filter tree, sort, paging) into the
// WHERE, ORDER BY and LIMIT/OFFSET clauses of a SQL statement, with every
// value passed as a bound parameter. It knows the semantics that the domain
// fixes for all stores and leaves what differs between engines to a Dialect:
// the parameter marker, how a string column is folded for case-insensitive
// comparison, and whether NULL already sorts first.
//
// Semantics compiled here, shared by every store:
//   - times are int64 nanoseconds since the Unix epoch, enums their positions,
//     UidType values the 16 id bytes, booleans booleans;
//   - an absent value (NULL) satisfies != and nothing else;
//   - strings compare case-insensitively: ASCII letters folded to lower case,
//     then byte order;
//   - rows sort by the field, then id ascending; absent values come first in
//     ascending order and last in descending order.
package sqlgen

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// Dialect describes what differs between SQL engines.
type Dialect struct {
	// Name names the dialect in error messages and tests.
	Name string
	// Placeholder returns the marker of the n-th bound parameter (1-based).
	Placeholder func(n int) string
	// FoldColumn returns the expression that string comparisons and string
	// sorts use for a column, so that they are case-insensitive.
	FoldColumn func(col string) string
	// FoldValue returns the argument bound for a string literal compared
	// with FoldColumn(col).
	FoldValue func(s string) any
	// IDValue returns the argument bound for an id.
	IDValue func(id emcdp.ID) any
	// Hundredths returns the double a column of hundredths stands for:
	// the integer converted exactly, then divided by 100 with IEEE
	// rounding, as Go's float64(n)/100 (TypeDouble).
	Hundredths func(col string) string
	// NullsSmallest is true when the engine already sorts NULL before every
	// value (first ascending, last descending), so that no NULLS clause is
	// written and plain indexes keep serving the order.
	NullsSmallest bool
}

// SQLite is the dialect of the embedded store. Its string columns are
// declared COLLATE NOCASE, which folds ASCII letters and then compares bytes,
// so strings are compared as they are.
var SQLite = Dialect{
	Name:          "sqlite",
	Placeholder:   func(int) string { return "?" },
	FoldColumn:    func(col string) string { return col },
	FoldValue:     func(s string) any { return s },
	IDValue:       func(id emcdp.ID) any { return id[:] },
	Hundredths:    func(col string) string { return "(" + col + " / 100.0)" },
	NullsSmallest: true,
}

// Postgres is the dialect of the shared store. Strings are compared through
// lower() under the "C" collation, which folds ASCII letters only and
// compares bytes; the store indexes the same expression. Literals are folded
// in Go the same way, so no function is applied to parameters.
var Postgres = Dialect{
	Name:        "postgres",
	Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	FoldColumn:  func(col string) string { return "lower(" + col + ` COLLATE "C")` },
	FoldValue:   func(s string) any { return FoldASCII(s) },
	IDValue:     func(id emcdp.ID) any { return id[:] },
	Hundredths:  func(col string) string { return "(" + col + "::float8 / 100)" },
}

// FoldASCII lower-cases the ASCII letters of s and leaves every other byte as
// it is: the case folding of string comparisons in every store.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// IDColumn is the id column of every resource table, the sort tie-breaker.
const IDColumn = "id"

// Clauses is a compiled query. Where and OrderBy are written without their
// keywords; Where is "" when every row matches and Limit is "" when the query
// is not paged. Args holds the parameters of Where followed by those of
// Limit, so that a count statement uses Args[:WhereArgs].
type Clauses struct {
	Where     string
	OrderBy   string
	Limit     string
	Args      []any
	WhereArgs int
	Offset    int   // rows before the page in the whole order
	Skip      int64 // rows the statement skips (its OFFSET): Offset, unless the page is placed (Seek, SeekFrom)
}

// PageTotal returns the Total of a read of q (compiled into c) whose page
// holds n items when the page tells it: an unpaged read, or a page that
// holds the last row, gives it away, and a read that asks for no total
// (NoTotal) takes it as the rows up to the page's end. Otherwise ok is false,
// and the store counts the rows in the transaction that read the page.
func PageTotal(q *emcdp.Query, c *Clauses, n int) (total int, ok bool) {
	switch {
	case q.PageSize == 0 || q.NoTotal:
		return c.Offset + n, true
	case n > 0 && n < q.PageSize, n == 0 && c.Offset == 0:
		return c.Offset + n, true
	}
	return 0, false
}

// Compile compiles q for dialect d. Its errors are *emcdp.Error with code
// EInvalid and describe the query, never SQL.
func Compile(d *Dialect, q *emcdp.Query) (*Clauses, error) {
	if q == nil {
		return nil, emcdp.Errorf(emcdp.EInvalid, "no query")
	}
	if len(emcdp.Fields(q.Kind)) == 0 {
		return nil, emcdp.Errorf(emcdp.EInvalid, "unknown resource type %d", int(q.Kind))
	}
	c := &Clauses{}
	if q.Filter != nil {
		w, args, err := Where(d, q.Kind, q.Filter, 1)
		if err != nil {
			return nil, err
		}
		c.Where, c.Args, c.WhereArgs = w, args, len(args)
	}
	ob, err := OrderBy(d, q.Kind, q.Sort, q.Desc)
	if err != nil {
		return nil, err
	}
	c.OrderBy = ob
	if q.PageSize < 0 {
		return nil, emcdp.Errorf(emcdp.EInvalid, "page size %d is negative", q.PageSize)
	}
	if q.PageSize > 0 {
		if q.Page < 1 {
			return nil, emcdp.Errorf(emcdp.EInvalid, "page %d is not a page number", q.Page)
		}
		if q.Page-1 > (math.MaxInt64-q.PageSize)/q.PageSize {
			return nil, emcdp.Errorf(emcdp.EInvalid, "page %d is out of range", q.Page)
		}
		c.Offset = (q.Page - 1) * q.PageSize
		c.Skip = int64(c.Offset)
		n := len(c.Args)
		c.Limit = "LIMIT " + Opaque(d, d.Placeholder(n+1)) + " OFFSET " + d.Placeholder(n+2)
		c.Args = append(c.Args, int64(q.PageSize), int64(c.Offset))
	}
	return c, nil
}

// Opaque returns the marker m of a bound parameter in a form whose value the
// planner does not look at. SQLite compiles a statement with the value of a
// LIMIT, or of an equality whose rows it estimates, in view, and marks it to
// be compiled again once such a parameter is bound anew; the driver clears
// a statement's parameters before every use, so each use of such a statement
// compiled it again (a tenth of the instructions of a deep page). A unary
// plus hides the value from the planner; it changes neither the value nor,
// on the right of a comparison, the use of an index. PostgreSQL is given m
// as it is.
func Opaque(d *Dialect, m string) string {
	if d.Name == SQLite.Name {
		return "+" + m
	}
	return m
}

// Where compiles a filter tree of kind k into a condition whose parameters
// are numbered from first. It returns the condition and its arguments.
func Where(d *Dialect, k emcdp.Kind, e emcdp.Expr, first int) (string, []any, error) {
	g := gen{d: d, k: k, next: first}
	if err := g.expr(e, false); err != nil {
		return "", nil, err
	}
	return g.sb.String(), g.args, nil
}

// OrderBy compiles a sort on field f (nil: the kind's default) into an ORDER
// BY list that ends with the id ascending.
func OrderBy(d *Dialect, k emcdp.Kind, f *emcdp.Field, desc bool) (string, error) {
	sf := emcdp.DefaultSort(k)
	if f != nil {
		if err := checkField(k, *f); err != nil {
			return "", err
		}
		sf = *f
	}
	var sb strings.Builder
	if sf.Type == emcdp.TypeString {
		sb.WriteString(d.FoldColumn(sf.Column))
	} else {
		sb.WriteString(sf.Column)
	}
	if desc {
		sb.WriteString(" DESC")
	} else {
		sb.WriteString(" ASC")
	}
	if sf.Null && !d.NullsSmallest {
		if desc {
			sb.WriteString(" NULLS LAST")
		} else {
			sb.WriteString(" NULLS FIRST")
		}
	}
	if sf.Column != IDColumn {
		sb.WriteString(", " + IDColumn + " ASC")
	}
	return sb.String(), nil
}

type gen struct {
	d    *Dialect
	k    emcdp.Kind
	sb   strings.Builder
	args []any
	next int
}

func (g *gen) expr(e emcdp.Expr, nested bool) error {
	switch e := e.(type) {
	case *emcdp.And:
		return g.list(e.Terms, " AND ", "1 = 1", nested)
	case *emcdp.Or:
		return g.list(e.Terms, " OR ", "1 = 0", nested)
	case *emcdp.Term:
		if e == nil {
			return emcdp.Errorf(emcdp.EInvalid, "empty filter term")
		}
		return g.term(e)
	case nil:
		return emcdp.Errorf(emcdp.EInvalid, "empty filter expression")
	}
	return emcdp.Errorf(emcdp.EInvalid, "unsupported filter node %T", e)
}

// list writes the terms joined by sep, parenthesised when nested; an empty
// list is the identity of the operator (true for AND, false for OR).
func (g *gen) list(terms []emcdp.Expr, sep, empty string, nested bool) error {
	switch len(terms) {
	case 0:
		g.sb.WriteString(empty)
		return nil
	case 1:
		return g.expr(terms[0], nested)
	}
	if nested {
		g.sb.WriteByte('(')
	}
	if err := g.join(terms, sep); err != nil {
		return err
	}
	if nested {
		g.sb.WriteByte(')')
	}
	return nil
}

// maxChain is the longest run of terms written as one flat chain.
const maxChain = 16

// join writes terms joined by sep. SQL engines parse "a AND b AND c" as a
// left-deep tree one level deeper per term, and SQLite refuses trees deeper
// than 1000; a longer list is therefore split into parenthesised halves, so
// that the depth grows with the logarithm of the number of terms.
func (g *gen) join(terms []emcdp.Expr, sep string) error {
	if len(terms) > maxChain {
		h := len(terms) / 2
		g.sb.WriteByte('(')
		if err := g.join(terms[:h], sep); err != nil {
			return err
		}
		g.sb.WriteString(")" + sep + "(")
		if err := g.join(terms[h:], sep); err != nil {
			return err
		}
		g.sb.WriteByte(')')
		return nil
	}
	for i, t := range terms {
		if i > 0 {
			g.sb.WriteString(sep)
		}
		if err := g.expr(t, true); err != nil {
			return err
		}
	}
	return nil
}

var sqlOps = [...]string{emcdp.OpEq: "=", emcdp.OpNe: "<>", emcdp.OpLt: "<", emcdp.OpLe: "<=", emcdp.OpGt: ">", emcdp.OpGe: ">="}

func (g *gen) term(t *emcdp.Term) error {
	f := t.Field
	if err := checkField(g.k, f); err != nil {
		return err
	}
	if t.Op < emcdp.OpEq || t.Op > emcdp.OpGe {
		return emcdp.Errorf(emcdp.EInvalid, "unknown operator %d on field '%s'", int(t.Op), f.Name)
	}
	col := f.Column
	var arg any
	switch f.Type {
	case emcdp.TypeString:
		col = g.d.FoldColumn(col)
		arg = g.d.FoldValue(t.Value.Str)
	case emcdp.TypeUID:
		arg = g.d.IDValue(t.Value.ID)
	case emcdp.TypeDateTime:
		arg = Nanos(t.Value.Time)
	case emcdp.TypeInt, emcdp.TypeEnum:
		arg = t.Value.Int
	case emcdp.TypeDouble:
		col = g.d.Hundredths(col)
		arg = t.Value.Float
	case emcdp.TypeBool:
		if t.Op != emcdp.OpEq && t.Op != emcdp.OpNe {
			return emcdp.Errorf(emcdp.EInvalid, "operator %s is not defined on Boolean field '%s'", t.Op, f.Name)
		}
		arg = t.Value.Bool
	default:
		return emcdp.Errorf(emcdp.EInvalid, "field '%s' has an unknown type", f.Name)
	}
	g.args = append(g.args, arg)
	ph := g.d.Placeholder(g.next)
	g.next++
	if f.Type == emcdp.TypeString || f.Type == emcdp.TypeUID {
		// The planner would only ask whether the value is a small
		// integer, which text and ids never are: hidden, the plan is
		// the same and the statement is compiled once.
		ph = Opaque(g.d, ph)
	}
	if t.Op == emcdp.OpNe && f.Null {
		// An absent value is different from every value.
		g.sb.WriteString("(" + f.Column + " IS NULL OR " + col + " <> " + ph + ")")
		return nil
	}
	g.sb.WriteString(col + " " + sqlOps[t.Op] + " " + ph)
	return nil
}

// checkField accepts only a field of k's catalogue, so that column names in
// the SQL always come from the catalogue and never from input.
func checkField(k emcdp.Kind, f emcdp.Field) error {
	for _, c := range emcdp.Fields(k) {
		if c.Name == f.Name && c.Column == f.Column && c.Type == f.Type {
			return nil
		}
	}
	return emcdp.Errorf(emcdp.EInvalid, "field '%s' is not a field of %s", f.Name, k)
}

// Time range that int64 nanoseconds can hold; values outside are clamped.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Nanos converts a time to the stored form, int64 nanoseconds since the Unix
// epoch, clamping times outside the representable range (years before 1678
// or after 2262) to its ends.
func Nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// SettleLogonFailure begins the statement that settles a reservation of a
// failed logon, a logon_failures row whose at is the negated time it was
// taken: after a wrong password the row becomes a failure at that time,
// after a right one it goes. Both stores add which row.
func SettleLogonFailure(failed bool) string {
	if failed {
		return "UPDATE logon_failures SET at = -at"
	}
	return "DELETE FROM logon_failures"
}
