package sqlgen

import "github.com/emcdp/emcdp"

// ObjectCols are the columns of the includes tables (ObjectsTable and a
// Desc's IncludeTable), in the order the stores' scanners read them.
const ObjectCols = "policy_id, id, hierarchy_obj_ref, name, display_name, guest_options, total_size"

// Table describes how a kind is stored.
type Table struct {
	Name    string
	Cols    string // the columns a read selects
	RefCols string // the columns a read of references selects (Desc.RefCols)
	Counted bool   // its row count is kept in row_counts, so an unfiltered count reads one row
	// Bucketed: its rows are also counted per day of creation in
	// CountsTable (a session kind whose creation time never changes).
	Bucketed bool
}

// Tables maps every kind to its table, from its description.
var Tables = func() map[emcdp.Kind]Table {
	m := map[emcdp.Kind]Table{}
	for _, d := range emcdp.AllDescs {
		m[d.Kind] = Table{Name: d.Table, Cols: DescCols(d), RefCols: colList(RefProps(d)), Counted: d.Session, Bucketed: bucketed(d)}
	}
	return m
}()

// QueryCols returns the columns a read of q from t selects: those of a
// reference when q.Refs, otherwise every column.
func (t Table) QueryCols(q *emcdp.Query) string {
	if q.Refs {
		return t.RefCols
	}
	return t.Cols
}
