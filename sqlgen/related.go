package sqlgen

import "github.com/emcdp/emcdp"

// Related gathers the related rows of items of a kind (emcdp.Desc.Related)
// into their refs, by owner id, as both stores read them.
type Related map[emcdp.ID]*[]emcdp.Ref

// NewRelated returns the refs of items of d, emptied, by item id.
func NewRelated(d *emcdp.Desc, items ...any) Related {
	m := make(Related, len(items))
	for _, it := range items {
		refs := d.Related.Refs(it)
		*refs = nil
		m[d.ID(it)] = refs
	}
	return m
}

// IDs returns the owner ids, to bind in the statement that reads the rows.
func (m Related) IDs() []emcdp.ID {
	ids := make([]emcdp.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return ids
}

// Add appends a row read for owner to its refs.
func (m Related) Add(owner emcdp.ID, r emcdp.Ref) {
	if refs := m[owner]; refs != nil {
		*refs = append(*refs, r)
	}
}

// Sort orders every owner's refs as the product lists them.
func (m Related) Sort() {
	for _, refs := range m {
		emcdp.SortRefs(*refs)
	}
}
