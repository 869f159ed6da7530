package query

import (
	"bytes"
	"cmp"
	"sort"

	"github.com/emcdp/emcdp"
)

// Match reports whether item satisfies e, with the reference semantics that
// every store must reproduce:
//
//   - an absent value (a zero DateTime such as a running session's
//     EndTimeUTC; an empty Description, Reason or FailureMessage) satisfies
//     != and nothing else;
//   - strings compare case-insensitively: ASCII letters folded to lower
//     case, then byte order;
//   - UIDs compare by ID bytes, enums by position, DateTimes in time order,
//     Booleans by equality.
//
// item is a pointer to the struct of a described kind (emcdp.DescribeAny);
// a nil e matches everything, and an item of another type, or a field the
// item does not have, matches nothing.
func Match(e emcdp.Expr, item any) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *emcdp.And:
		for _, t := range e.Terms {
			if !Match(t, item) {
				return false
			}
		}
		return true
	case *emcdp.Or:
		for _, t := range e.Terms {
			if Match(t, item) {
				return true
			}
		}
		return false
	case *emcdp.Term:
		v, present, ok := valueOf(item, e.Field)
		if !ok {
			return false
		}
		if !present {
			return e.Op == emcdp.OpNe
		}
		c := compare(e.Field.Type, v, e.Value)
		switch e.Op {
		case emcdp.OpEq:
			return c == 0
		case emcdp.OpNe:
			return c != 0
		case emcdp.OpLt:
			return c < 0
		case emcdp.OpLe:
			return c <= 0
		case emcdp.OpGt:
			return c > 0
		case emcdp.OpGe:
			return c >= 0
		}
	}
	return false
}

// Run applies q to items the way a store does: it keeps the items that match
// q.Filter, sorts them by q.Sort (or the kind's default) ascending, or
// descending when q.Desc, with absent values first when ascending and last
// when descending and ties broken by id ascending, and returns page q.Page
// of q.PageSize items (all of them when PageSize is 0) and the number of
// matching items.
func Run(q *emcdp.Query, items []any) (page []any, total int) {
	var kept []any
	for _, it := range items {
		if Match(q.Filter, it) {
			kept = append(kept, it)
		}
	}
	f := emcdp.DefaultSort(q.Kind)
	if q.Sort != nil {
		f = *q.Sort
	}
	sortItems(kept, f, q.Desc)
	total = len(kept)
	if q.PageSize <= 0 {
		return kept, total
	}
	p := q.Page
	if p < 1 {
		p = 1
	}
	start := (p - 1) * q.PageSize
	if start >= total || start/q.PageSize != p-1 { // past the end, or overflow
		return nil, total
	}
	end := start + q.PageSize
	if end > total {
		end = total
	}
	return kept[start:end], total
}

// sortItems sorts items as Less orders them, reading each sort key once.
func sortItems(items []any, f emcdp.Field, desc bool) {
	type keyed struct {
		v       emcdp.Value
		present bool
		id      emcdp.ID
		item    any
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		v, p, _ := valueOf(it, f)
		id, _ := ItemID(it)
		ks[i] = keyed{v, p, id, it}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := &ks[i], &ks[j]
		c := compareKeys(f.Type, a.v, a.present, b.v, b.present)
		if desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
		return bytes.Compare(a.id[:], b.id[:]) < 0
	})
	for i := range ks {
		items[i] = ks[i].item
	}
}

// compareKeys compares two possibly absent values; absent is lowest.
func compareKeys(t emcdp.FieldType, a emcdp.Value, pa bool, b emcdp.Value, pb bool) int {
	switch {
	case !pa && !pb:
		return 0
	case !pa:
		return -1
	case !pb:
		return 1
	}
	return compare(t, a, b)
}

// Less orders two items by field f (descending when desc), absent values
// lowest, then by id ascending whatever the direction.
func Less(f emcdp.Field, desc bool, a, b any) bool {
	va, pa, _ := valueOf(a, f)
	vb, pb, _ := valueOf(b, f)
	c := compareKeys(f.Type, va, pa, vb, pb)
	if desc {
		c = -c
	}
	if c != 0 {
		return c < 0
	}
	return bytes.Compare(idOf(a), idOf(b)) < 0
}

func idOf(item any) []byte {
	id, _ := ItemID(item)
	return id[:]
}

// idField reads an item's own id, whatever its kind: every kind stores it
// in column "id".
var idField = emcdp.Field{Type: emcdp.TypeUID, Column: "id"}

// ItemID returns the id of item (a pointer to the struct of a described
// kind), the key that breaks sort ties; ok is false, with a zero id, for a
// value of any other type. It lets code that holds items of mixed or unknown kind, such as a store
// test comparing pages, name them without a field catalogue.
func ItemID(item any) (id emcdp.ID, ok bool) {
	v, _, ok := valueOf(item, idField)
	return v.ID, ok
}

// compare compares two present values of a field type: -1, 0 or +1.
func compare(t emcdp.FieldType, a, b emcdp.Value) int {
	switch t {
	case emcdp.TypeString:
		return CompareFold(a.Str, b.Str)
	case emcdp.TypeUID:
		return bytes.Compare(a.ID[:], b.ID[:])
	case emcdp.TypeDateTime:
		return a.Time.Compare(b.Time)
	case emcdp.TypeInt, emcdp.TypeEnum:
		return cmpInt(a.Int, b.Int)
	case emcdp.TypeDouble:
		return cmp.Compare(a.Float, b.Float)
	case emcdp.TypeBool:
		switch {
		case a.Bool == b.Bool:
			return 0
		case !a.Bool:
			return -1
		}
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareFold compares two strings the way every store's collation does:
// ASCII letters folded to lower case, then byte by byte. Non-ASCII bytes are
// compared as they are.
func CompareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := lowerASCII(a[i]), lowerASCII(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// valueOf reads field f of item by its column name. present is false for
// an absent value; ok is false when the item has no such field.
func valueOf(item any, f emcdp.Field) (v emcdp.Value, present, ok bool) {
	if d := emcdp.DescribeAny(item); d != nil {
		if p := d.Column(f.Column); p != nil && p.Scalar() {
			v := p.Get(item)
			return v, p.Present(v), true
		}
	}
	return emcdp.Value{}, false, false
}

// FieldValue returns the value of field f of item, and whether it is present
// (not absent). It is what Match compares; RandomExpr's callers use it to
// draw filter values from their data.
func FieldValue(item any, f emcdp.Field) (emcdp.Value, bool) {
	v, present, ok := valueOf(item, f)
	return v, present && ok
}
