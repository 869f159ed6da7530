package sqlgen

import (
	"bytes"
	"slices"

	"github.com/emcdp/emcdp"
)

// Related gathers the related rows of items of a kind (emcdp.Desc.Related)
// into their refs, by owner id, as both stores read them. The rows are kept
// as they are read and handed out by Sort, every owner's refs a piece of
// one array: a page of 100 job sessions with their restore points then
// costs one array instead of a slice per owner grown point by point.
type Related struct {
	owners map[emcdp.ID]*[]emcdp.Ref
	rows   []relatedRow
}

// relatedRow is one related row as read: its owner's id and the ref.
type relatedRow struct {
	owner emcdp.ID
	ref   emcdp.Ref
}

// NewRelated returns the refs of items of d, emptied, by item id.
func NewRelated(d *emcdp.Desc, items ...any) *Related {
	m := &Related{owners: make(map[emcdp.ID]*[]emcdp.Ref, len(items))}
	for _, it := range items {
		refs := d.Related.Refs(it)
		*refs = nil
		m.owners[d.ID(it)] = refs
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
	if _, ok := m.owners[owner]; ok {
		m.rows = append(m.rows, relatedRow{owner, r})
	}
}

// Sort hands every owner its refs, ordered as the product lists them
// (emcdp.SortRefs); an owner without rows keeps none.
func (m *Related) Sort() {
	slices.SortFunc(m.rows, func(a, b relatedRow) int {
		if c := bytes.Compare(a.owner[:], b.owner[:]); c != 0 {
			return c
		}
		return emcdp.CompareGUID(a.ref.ID, b.ref.ID)
	})
	all := make([]emcdp.Ref, len(m.rows))
	for i := range m.rows {
		all[i] = m.rows[i].ref
	}
	for i := 0; i < len(m.rows); {
		j := i + 1
		for j < len(m.rows) && m.rows[j].owner == m.rows[i].owner {
			j++
		}
		*m.owners[m.rows[i].owner] = all[i:j:j]
		i = j
	}
	m.rows = nil
}
