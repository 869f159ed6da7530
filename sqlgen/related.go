package sqlgen

import (
	"errors"
	"fmt"

	"github.com/emcdp/emcdp"
)

// Related gathers the related rows of items of a kind (emcdp.Desc.Related)
// into their refs, by owner id, as both stores read them. The rows are kept
// as they are read and handed out by Sort, every owner's refs a piece of
// one array: a page of 100 job sessions with their restore points then
// costs one array instead of a slice per owner grown point by point.
type Related struct {
	owners map[emcdp.ID]int32 // index in refs
	refs   []*[]emcdp.Ref
	rows   []relatedRow
}

// relatedRow is one related row as read: its owner's index and the ref.
type relatedRow struct {
	owner int32
	ref   emcdp.Ref
}

// NewRelated returns the refs of items of d, emptied, by item id.
func NewRelated(d *emcdp.Desc, items ...any) *Related {
	m := &Related{owners: make(map[emcdp.ID]int32, len(items)), refs: make([]*[]emcdp.Ref, 0, len(items))}
	for _, it := range items {
		refs := d.Related.Refs(it)
		*refs = nil
		id := d.ID(it)
		if i, ok := m.owners[id]; ok { // the same item twice: the last one gets the refs
			m.refs[i] = refs
			continue
		}
		m.owners[id] = int32(len(m.refs))
		m.refs = append(m.refs, refs)
	}
	return m
}

// IDs returns the owner ids, to bind in the statement that reads the rows.
func (m *Related) IDs() []emcdp.ID {
	ids := make([]emcdp.ID, 0, len(m.owners))
	for id := range m.owners {
		ids = append(ids, id)
	}
	return ids
}

// Add keeps a row read for owner, when owner is one of the items.
func (m *Related) Add(owner emcdp.ID, r emcdp.Ref) {
	if i, ok := m.owners[owner]; ok {
		m.rows = append(m.rows, relatedRow{i, r})
	}
}

// AddPacked keeps the rows of p, all the related rows of the items in one
// value, as Add does one by one; the names are pieces of p. A store reads
// them so to pass one value through its driver instead of three per row.
// p is one record per row: the owner's id (16 bytes), the row's id (16
// bytes), the length in bytes of its name as SQLite's char() writes two
// code points, the length's upper and lower 16 bits (a UTF-8 form of 1 to
// 3 bytes each, surrogates included), then the name.
func (m *Related) AddPacked(p string) error {
	for len(p) > 0 {
		if len(p) < 32 {
			return errors.New("related rows: a record cut short")
		}
		var owner emcdp.ID
		var r emcdp.Ref
		copy(owner[:], p[:16])
		copy(r.ID[:], p[16:32])
		hi, n1 := charPoint(p[32:])
		lo, n2 := charPoint(p[32+n1:])
		if n1 == 0 || n2 == 0 || hi > 0xFFFF || lo > 0xFFFF {
			return fmt.Errorf("related rows: a name length of %q", p[32:min(len(p), 38)])
		}
		p = p[32+n1+n2:]
		n := hi<<16 | lo
		if len(p) < n {
			return errors.New("related rows: a name cut short")
		}
		r.Name, p = p[:n], p[n:]
		m.Add(owner, r)
	}
	return nil
}

// charPoint decodes the code point at the start of s as SQLite's char()
// writes it (UTF-8 without its checks: a surrogate is written like any
// other point) and its length; 0, 0 when s starts with none.
func charPoint(s string) (int, int) {
	switch {
	case len(s) >= 1 && s[0] < 0x80:
		return int(s[0]), 1
	case len(s) >= 2 && s[0]&0xE0 == 0xC0 && s[1]&0xC0 == 0x80:
		return int(s[0]&0x1F)<<6 | int(s[1]&0x3F), 2
	case len(s) >= 3 && s[0]&0xF0 == 0xE0 && s[1]&0xC0 == 0x80 && s[2]&0xC0 == 0x80:
		return int(s[0]&0x0F)<<12 | int(s[1]&0x3F)<<6 | int(s[2]&0x3F), 3
	case len(s) >= 4 && s[0]&0xF8 == 0xF0 && s[1]&0xC0 == 0x80 && s[2]&0xC0 == 0x80 && s[3]&0xC0 == 0x80:
		return int(s[0]&0x07)<<18 | int(s[1]&0x3F)<<12 | int(s[2]&0x3F)<<6 | int(s[3]&0x3F), 4
	}
	return 0, 0
}

// Sort hands every owner its refs, ordered as the product lists them
// (emcdp.SortRefs); an owner without rows keeps none. The rows are placed
// by owner (a counting sort over the owners' indexes), then each owner's
// few are sorted.
func (m *Related) Sort() {
	if len(m.rows) == 0 {
		return
	}
	end := make([]int32, len(m.refs)) // first the count per owner, then where its piece ends
	for i := range m.rows {
		end[m.rows[i].owner]++
	}
	var n int32
	for i, c := range end {
		n += c
		end[i] = n
	}
	all := make([]emcdp.Ref, len(m.rows))
	for i := len(m.rows) - 1; i >= 0; i-- { // from the last, so that each piece keeps the rows' order
		o := m.rows[i].owner
		end[o]--
		all[end[o]] = m.rows[i].ref
	}
	// end[o] is now where owner o's piece starts.
	for o, refs := range m.refs {
		lo, hi := end[o], int32(len(all))
		if o+1 < len(end) {
			hi = end[o+1]
		}
		if lo == hi {
			continue
		}
		piece := all[lo:hi:hi]
		emcdp.SortRefs(piece)
		*refs = piece
	}
	m.rows = nil
}
