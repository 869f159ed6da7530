package sqlgen

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// A page or chunk of references is read on SQLite as one value: SQLite
// writes every row as one record (PackedRefs.Col) and group_concat joins
// them, so that the driver passes one value instead of one per column.
// Through database/sql every column of every row costs a copy by the
// driver (ids and names), a boxed value and a call of its scan target:
// about 13 allocations a row of a task session's reference, and most of a
// deep page's instructions. A record is a header, then a body:
//
//   - the header is the code points of one char() call: for each string
//     column of RefProps in order, its length in bytes as one point; for
//     each integer column (TypeInt, TypeEnum, TypeBool, TypeDateTime as
//     nanoseconds), its 64 bits as four points of 16 bits, the most
//     significant first;
//   - the body is the columns of RefProps in order that are not in the
//     header: an id's 16 bytes as stored, a string's bytes.
//
// char() writes a point above U+10FFFF as U+FFFD, so a length of 0xFFFD
// may stand for a longer string: Add then answers ErrLongString and the
// store reads the rows one by one (a name of 65,533 bytes, or of more than
// 1,114,111). concat and group_concat keep the bytes of blobs and strings
// as they are (NUL and bytes that are not UTF-8 included). Of the forms
// measured this one costs SQLite the least: each || and each function that
// returns a string allocates, and so does each string or blob that the
// outer query takes from the subquery; a length as two points of 16 bits
// (no limit) cost a record about 900 instructions more.

// ErrLongString is the error of PackedRefs.Add when a string's length in
// the header may have been cut to U+FFFD, and a store's when a packed value
// would pass its limit of a string: the rows must be read unpacked.
var ErrLongString = errors.New("references: a string too long to read packed")

// PackedRefs is the packed read of the references of a kind.
type PackedRefs struct {
	d    *emcdp.Desc
	cols []packedCol // RefProps of d, in order
	// Col is SQLite's result column "… AS r" of one record, over the
	// columns of RefProps by name, for Stmt.
	Col   string
	least int // the length of the shortest record
}

// packedCol is a column of a record: where it is and how it is read.
type packedCol struct {
	p    *emcdp.Prop
	form int8 // packedID, packedString or packedInt
}

// The forms of a record's columns.
const (
	packedID     = iota // 16 bytes in the body
	packedString        // its length in the header, its bytes in the body
	packedInt           // four points in the header
)

// packedRefs holds the packed reads of the kinds whose references can be
// read packed.
var packedRefs = func() map[*emcdp.Desc]*PackedRefs {
	m := map[*emcdp.Desc]*PackedRefs{}
	for _, d := range emcdp.AllDescs {
		if pr := newPackedRefs(d); pr != nil {
			m[d] = pr
		}
	}
	return m
}()

// PackedRefsOf returns the packed read of the references of d, or nil when
// a column of them cannot be packed: a column that may hold NULL, JSON
// text, or a double.
func PackedRefsOf(d *emcdp.Desc) *PackedRefs { return packedRefs[d] }

func newPackedRefs(d *emcdp.Desc) *PackedRefs {
	pr := &PackedRefs{d: d}
	var head, body []string
	for _, p := range RefProps(d) {
		if !p.Scalar() || p.Null || p.Set == nil {
			return nil
		}
		c := p.Column
		col := packedCol{p: p}
		switch p.Type {
		case emcdp.TypeUID:
			col.form, pr.least = packedID, pr.least+len(emcdp.ID{})
			body = append(body, c)
		case emcdp.TypeString:
			col.form, pr.least = packedString, pr.least+1
			head = append(head, "octet_length("+c+")")
			body = append(body, c)
		case emcdp.TypeInt, emcdp.TypeEnum, emcdp.TypeBool, emcdp.TypeDateTime:
			col.form, pr.least = packedInt, pr.least+4
			head = append(head, "("+c+" >> 48) & 65535", "("+c+" >> 32) & 65535", "("+c+" >> 16) & 65535", c+" & 65535")
		default:
			return nil
		}
		pr.cols = append(pr.cols, col)
	}
	if len(head) > 0 {
		body = append([]string{"char(" + strings.Join(head, ", ") + ")"}, body...)
	}
	pr.Col = "concat(" + strings.Join(body, ", ") + ") AS r"
	return pr
}

// Stmt returns the statement that reads the records of stmt, a read of
// Col, as one value in stmt's order (NULL when there are none). SQLite
// keeps the order of a subquery in FROM whose outer query calls an
// aggregate other than count, min or max (it drops the ORDER BY of other
// subqueries), so group_concat joins the records in the order of the rows.
func (pr *PackedRefs) Stmt(stmt string) string {
	return "SELECT CAST(group_concat(r, '') AS BLOB) FROM (" + stmt + ")"
}

// Add adds the items of p, records as Stmt reads them, to res (Desc.Add);
// their strings are pieces of p. p holds at most limit records when limit
// is above 0 (a page's size): room for them is made at once. A value cut
// short or with a header that no record can have is an error.
func (pr *PackedRefs) Add(res *emcdp.QueryResult, p string, limit int) error {
	if limit > 0 {
		pr.d.Grow(res, min(len(p)/pr.least, limit))
	}
	var room [16]int64 // on the stack, as the header of every kind fits
	head := room[:]    // a record's header: strings' lengths and integers
	if len(pr.cols) > len(room) {
		head = make([]int64, len(pr.cols))
	}
	for len(p) > 0 {
		for i, c := range pr.cols {
			switch c.form {
			case packedString:
				v, n := charPoint(p)
				if n == 0 {
					return fmt.Errorf("references: a header of %q", p[:min(len(p), 4)])
				}
				if v == 0xFFFD {
					return ErrLongString
				}
				head[i], p = int64(v), p[n:]
			case packedInt:
				var u uint64
				for range 4 {
					v, n := charPoint(p)
					if n == 0 || v > 0xFFFF {
						return fmt.Errorf("references: a header of %q", p[:min(len(p), 12)])
					}
					u, p = u<<16|uint64(v), p[n:]
				}
				head[i] = int64(u)
			}
		}
		it := pr.d.Add(res)
		for i, c := range pr.cols {
			var x emcdp.Value
			switch c.form {
			case packedID:
				if len(p) < len(x.ID) {
					return errors.New("references: an id cut short")
				}
				copy(x.ID[:], p)
				p = p[len(x.ID):]
			case packedString:
				if int64(len(p)) < head[i] {
					return errors.New("references: a string cut short")
				}
				x.Str, p = p[:head[i]], p[head[i]:]
			default:
				x = intValue(c.p, head[i])
			}
			c.p.Set(it, x)
		}
	}
	return nil
}

// intValue is the value of p, an integer column, that holds v: also a
// time for a DateTime (nanoseconds) and a boolean, as SetColumn reads it.
func intValue(p *emcdp.Prop, v int64) emcdp.Value {
	x := emcdp.Value{Int: v, Bool: v != 0}
	if p.Type == emcdp.TypeDateTime {
		x.Time = time.Unix(0, v).UTC()
	}
	return x
}
