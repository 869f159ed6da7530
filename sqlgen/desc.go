package sqlgen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emcdp/emcdp"
)

// This file derives the SQL of a described kind (emcdp.Desc) for both
// dialects: its table and indexes, its column list, and the statements and
// arguments that write its rows. The stores create and extend the tables of
// described kinds from this at open, so a new property or kind needs no
// migration file.

// StoredProps returns the properties of d that have a column, in the
// order of its column list.
func StoredProps(d *emcdp.Desc) []*emcdp.Prop {
	var ps []*emcdp.Prop
	for i := range d.Props {
		if d.Props[i].Column != "" && !seen(ps, d.Props[i].Column) {
			ps = append(ps, &d.Props[i])
		}
	}
	return ps
}

func seen(ps []*emcdp.Prop, col string) bool {
	for _, p := range ps {
		if p.Column == col {
			return true
		}
	}
	return false
}

// RefProps returns the stored properties a reference of d is read from
// (Desc.RefCols), in StoredProps order; every stored property when d names
// no RefCols.
func RefProps(d *emcdp.Desc) []*emcdp.Prop {
	ps := StoredProps(d)
	if len(d.RefCols) == 0 {
		return ps
	}
	var refs []*emcdp.Prop
	for _, p := range ps {
		if slices.Contains(d.RefCols, p.Column) {
			refs = append(refs, p)
		}
	}
	return refs
}

// DescCols returns the column list of d's table, "id, name, …".
func DescCols(d *emcdp.Desc) string { return colList(StoredProps(d)) }

// colList returns the columns of ps, "id, name, …".
func colList(ps []*emcdp.Prop) string {
	cols := make([]string, len(ps))
	for i, p := range ps {
		cols[i] = p.Column
	}
	return strings.Join(cols, ", ")
}

// ColumnType returns the column definition (type and constraints) of p in
// dialect d.
func ColumnType(d *Dialect, p *emcdp.Prop) string {
	null := " NOT NULL"
	if p.Null {
		null = ""
	}
	pg := d.Name == Postgres.Name
	if !p.Scalar() {
		return "text NOT NULL" // JSON text
	}
	switch p.Type {
	case emcdp.TypeUID:
		if pg {
			return "uuid" + null
		}
		return "BLOB" + null
	case emcdp.TypeString:
		if pg {
			return "text" + null
		}
		return "TEXT" + null + " COLLATE NOCASE"
	case emcdp.TypeEnum:
		if pg {
			return "smallint" + null
		}
		return "INTEGER" + null
	case emcdp.TypeBool:
		if pg {
			return "boolean" + null
		}
		return "INTEGER" + null
	}
	if pg {
		return "bigint" + null
	}
	return "INTEGER" + null
}

// CreateTable returns the statements that create d's table and indexes when
// they do not exist.
func CreateTable(dl *Dialect, d *emcdp.Desc) []string {
	var cols []string
	for _, p := range StoredProps(d) {
		def := p.Column + " " + ColumnType(dl, p)
		if p.Column == IDColumn {
			def += " PRIMARY KEY"
		}
		cols = append(cols, def)
	}
	stmts := []string{"CREATE TABLE IF NOT EXISTS " + d.Table + " (\n    " + strings.Join(cols, ",\n    ") + "\n)"}
	for _, ix := range d.Indexes {
		stmts = append(stmts, createIndex(dl, d, ix))
	}
	return stmts
}

// createIndex indexes the columns ix of d. An entry "col DESC" indexes the
// column descending, with absent values last as sorts put them; strings are
// indexed by the expression that comparisons use (FoldColumn).
func createIndex(dl *Dialect, d *emcdp.Desc, ix []string) string {
	exprs := make([]string, len(ix))
	names := make([]string, len(ix))
	for i, e := range ix {
		col, desc := strings.CutSuffix(e, " DESC")
		exprs[i], names[i] = col, col
		p := d.Column(col)
		if p != nil && p.Type == emcdp.TypeString && p.Scalar() {
			exprs[i] = dl.FoldColumn(col)
		}
		if desc {
			exprs[i] += " DESC"
			names[i] += "_desc"
			if p != nil && p.Null && !dl.NullsSmallest {
				exprs[i] += " NULLS LAST"
			}
		}
	}
	name := d.Table + "_" + strings.Join(names, "_")
	return "CREATE INDEX IF NOT EXISTS " + name + " ON " + d.Table + " (" + strings.Join(exprs, ", ") + ")"
}

// AddColumn returns the statement that adds p's column to d's table, for a
// table made before p was described. A NOT NULL column gets the zero value
// of its type as default, so that existing rows read as zero.
func AddColumn(dl *Dialect, d *emcdp.Desc, p *emcdp.Prop) string {
	def := ColumnType(dl, p)
	if !p.Null {
		switch {
		case !p.Scalar():
			def += " DEFAULT 'null'"
		case p.Type == emcdp.TypeString:
			def += " DEFAULT ''"
		case p.Type == emcdp.TypeUID && dl.Name == Postgres.Name:
			def += " DEFAULT '00000000-0000-0000-0000-000000000000'"
		case p.Type == emcdp.TypeUID:
			def += " DEFAULT x'00000000000000000000000000000000'"
		case p.Type == emcdp.TypeBool && dl.Name == Postgres.Name:
			def += " DEFAULT false"
		default:
			def += " DEFAULT 0"
		}
	}
	return "ALTER TABLE " + d.Table + " ADD COLUMN " + p.Column + " " + def
}

// Upsert returns the statement that inserts a row of d, replacing every
// column of an existing row with the same id when replace is set (resources),
// or failing on it otherwise (new sessions).
func Upsert(dl *Dialect, d *emcdp.Desc, replace bool) string {
	ps := StoredProps(d)
	marks := make([]string, len(ps))
	var set []string
	for i, p := range ps {
		marks[i] = dl.Placeholder(i + 1)
		if p.Column != IDColumn {
			set = append(set, p.Column+" = excluded."+p.Column)
		}
	}
	s := "INSERT INTO " + d.Table + " (" + DescCols(d) + ") VALUES (" + strings.Join(marks, ", ") + ")"
	if replace {
		s += " ON CONFLICT (id) DO UPDATE SET " + strings.Join(set, ", ")
	}
	return s
}

// InsertRows returns the statement that inserts n rows of d at once, failing
// on an existing id; its arguments are those of Args for each row in turn.
func InsertRows(dl *Dialect, d *emcdp.Desc, n int) string {
	cols := len(StoredProps(d))
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + d.Table + " (" + DescCols(d) + ") VALUES ")
	for r := 0; r < n; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := 1; c <= cols; c++ {
			if c > 1 {
				sb.WriteString(", ")
			}
			sb.WriteString(dl.Placeholder(r*cols + c))
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// UpdatedProps returns the properties that an update of a row of d writes:
// the Mutable ones when d marks any (the CDP sessions), else every stored
// property but the id.
func UpdatedProps(d *emcdp.Desc) []*emcdp.Prop {
	var all, mut []*emcdp.Prop
	for _, p := range StoredProps(d) {
		if p.Column == IDColumn {
			continue
		}
		all = append(all, p)
		if p.Mutable {
			mut = append(mut, p)
		}
	}
	if len(mut) > 0 {
		return mut
	}
	return all
}

// Update returns the statement that overwrites the UpdatedProps columns of
// the row of d with the id of the last argument; its arguments are those
// of Args with update set.
func Update(dl *Dialect, d *emcdp.Desc) string {
	ps := UpdatedProps(d)
	set := make([]string, len(ps))
	for i, p := range ps {
		set[i] = p.Column + " = " + dl.Placeholder(i+1)
	}
	return "UPDATE " + d.Table + " SET " + strings.Join(set, ", ") + " WHERE id = " + dl.Placeholder(len(ps)+1)
}

// Delete returns the statement removing the row of d whose id is its one
// argument.
func Delete(dl *Dialect, d *emcdp.Desc) string {
	return "DELETE FROM " + d.Table + " WHERE id = " + dl.Placeholder(1)
}

// Clear returns the statement that sets c's columns absent where c.Column
// names the removed row, whose id is its one argument.
func Clear(dl *Dialect, c emcdp.Cascade) string {
	set := c.Column + " = NULL"
	for _, col := range c.Also {
		set += ", " + col + " = NULL"
	}
	return "UPDATE " + c.Desc.Table + " SET " + set + " WHERE " + c.Column + " = " + dl.Placeholder(1)
}

// Args appends the arguments of item's row in column order: ids through
// IDValue, absent values as nil, times as nanoseconds, structured
// properties as JSON text. With update, they are those of Update: the
// UpdatedProps columns, then the id.
func Args(dl *Dialect, d *emcdp.Desc, item any, update bool, dst []any) ([]any, error) {
	ps := StoredProps(d)
	if update {
		ps = append(UpdatedProps(d), ps[0])
	}
	for _, p := range ps {
		a, err := arg(dl, d, p, item)
		if err != nil {
			return nil, err
		}
		dst = append(dst, a)
	}
	return dst, nil
}

// arg returns the argument of p's column for item.
func arg(dl *Dialect, d *emcdp.Desc, p *emcdp.Prop, item any) (any, error) {
	if !p.Scalar() {
		b, err := json.Marshal(p.Ptr(item))
		if err != nil {
			return nil, fmt.Errorf("%s of %s %s: %w", p.Column, d.Type, d.ID(item), err)
		}
		return string(b), nil
	}
	v := p.Get(item)
	switch {
	case !p.Present(v):
		return nil, nil
	case p.Type == emcdp.TypeUID:
		return dl.IDValue(v.ID), nil
	case p.Type == emcdp.TypeString:
		return v.Str, nil
	case p.Type == emcdp.TypeDateTime:
		return Nanos(v.Time), nil
	case p.Type == emcdp.TypeBool:
		return v.Bool, nil
	}
	return v.Int, nil
}

// Placeholders returns "?, ?, …" or "$1, $2, …" for n parameters.
func Placeholders(dl *Dialect, n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			sb.WriteString(", ")
		}
		sb.WriteString(dl.Placeholder(i))
	}
	return sb.String()
}

// SetColumn stores the value v that a driver read from p's column into item:
// nil is the absent (zero) value; ids come as 16 bytes, times and integers as
// integers, booleans as booleans or integers, strings and JSON as text.
func SetColumn(p *emcdp.Prop, item any, v any) error {
	if !p.Scalar() {
		var b []byte
		switch v := v.(type) {
		case string:
			b = []byte(v)
		case []byte:
			b = v
		default:
			return fmt.Errorf("column %s holds %T, want JSON text", p.Column, v)
		}
		return json.Unmarshal(b, p.Ptr(item))
	}
	var x emcdp.Value
	switch v := v.(type) {
	case nil:
	case []byte:
		if p.Type == emcdp.TypeUID && len(v) == len(x.ID) {
			copy(x.ID[:], v)
		} else {
			x.Str = string(v)
		}
	case [16]byte:
		x.ID = v
	case string:
		x.Str = v
		if p.Type == emcdp.TypeUID {
			id, ok := emcdp.ParseID(v)
			if !ok {
				return fmt.Errorf("column %s holds %q, not an id", p.Column, v)
			}
			x.ID = id
		}
	case bool:
		x.Bool = v
	case int64:
		x.Int, x.Bool = v, v != 0
	case int32:
		x.Int, x.Bool = int64(v), v != 0
	case int16:
		x.Int, x.Bool = int64(v), v != 0
	default:
		return fmt.Errorf("column %s holds %T", p.Column, v)
	}
	if p.Type == emcdp.TypeDateTime && v != nil {
		x.Time = time.Unix(0, x.Int).UTC()
	}
	p.Set(item, x)
	return nil
}

// ScanRow is a reusable set of scan targets for the columns of d, in
// DescCols order (or, for a reference, Table.RefCols order). Each target is
// a sql.Scanner that stores the value the driver read straight into the
// current item, so a row is read without an intermediate copy of its values.
type ScanRow struct {
	cur  any
	cols []colScan
	ptrs []any
	refs bool
}

// colScan stores one column into the current item of its ScanRow.
type colScan struct {
	r *ScanRow
	p *emcdp.Prop
}

// Scan implements sql.Scanner.
func (c *colScan) Scan(v any) error { return SetColumn(c.p, c.r.cur, v) }

// scanRows and refScanRows keep ScanRows per description for reuse across
// reads: of every column, and of the columns of a reference.
var scanRows, refScanRows = scanPools(StoredProps, false), scanPools(RefProps, true)

func scanPools(props func(*emcdp.Desc) []*emcdp.Prop, refs bool) map[*emcdp.Desc]*sync.Pool {
	m := map[*emcdp.Desc]*sync.Pool{}
	for _, d := range emcdp.AllDescs {
		m[d] = &sync.Pool{New: func() any { return newScanRow(props(d), refs) }}
	}
	return m
}

func newScanRow(ps []*emcdp.Prop, refs bool) *ScanRow {
	r := &ScanRow{cols: make([]colScan, len(ps)), ptrs: make([]any, len(ps)), refs: refs}
	for i, p := range ps {
		r.cols[i] = colScan{r: r, p: p}
		r.ptrs[i] = &r.cols[i]
	}
	return r
}

// GetScanRow returns scan targets for d's columns; Put returns them.
func GetScanRow(d *emcdp.Desc) *ScanRow { return scanRows[d].Get().(*ScanRow) }

// GetQueryScanRow returns scan targets for the columns a read of q selects
// (Table.QueryCols); Put returns them.
func GetQueryScanRow(d *emcdp.Desc, q *emcdp.Query) *ScanRow {
	if q.Refs {
		return refScanRows[d].Get().(*ScanRow)
	}
	return GetScanRow(d)
}

// Put returns r for reuse by GetScanRow or GetQueryScanRow of description d.
func (r *ScanRow) Put(d *emcdp.Desc) {
	r.cur = nil
	if r.refs {
		refScanRows[d].Put(r)
		return
	}
	scanRows[d].Put(r)
}

// Into returns the targets that a Scan of one row passes, storing the
// columns into item.
func (r *ScanRow) Into(item any) []any {
	r.cur = item
	return r.ptrs
}

// InitCount returns the statement that starts the row count of a counted
// table of d in row_counts, from the rows it already holds, unless it is
// there.
func InitCount(d *emcdp.Desc) string {
	return "INSERT INTO row_counts (tbl, n) SELECT '" + d.Table + "', (SELECT count(*) FROM " + d.Table +
		") WHERE NOT EXISTS (SELECT 1 FROM row_counts WHERE tbl = '" + d.Table + "')"
}

// ObjectsTable keeps the includes (ObjectInJob) of the described kinds that
// have them and name no IncludeTable of their own, with the columns of
// ObjectCols; policy_id holds the owner's id.
const ObjectsTable = "job_objects"

// IncludeTable returns the table that keeps the includes of d.
func IncludeTable(d *emcdp.Desc) string {
	if d.IncludeTable != "" {
		return d.IncludeTable
	}
	return ObjectsTable
}

// CreateObjects returns the statements that create ObjectsTable. SQLite
// keeps it WITHOUT ROWID, clustered on its key, so that an owner's includes
// are read from one place.
func CreateObjects(dl *Dialect) []string {
	id, text, fold, big, opts := "BLOB", "TEXT", "TEXT COLLATE NOCASE", "INTEGER", " WITHOUT ROWID"
	if dl.Name == Postgres.Name {
		id, text, fold, big, opts = "uuid", "text", "text", "bigint", ""
	}
	return []string{"CREATE TABLE IF NOT EXISTS " + ObjectsTable + " (\n    policy_id " + id + " NOT NULL,\n    id " + id +
		" NOT NULL,\n    hierarchy_obj_ref " + text + " NOT NULL,\n    name " + fold + " NOT NULL,\n    display_name " + text +
		" NOT NULL,\n    guest_options " + text + " NOT NULL,\n    total_size " + big + " NOT NULL,\n    PRIMARY KEY (policy_id, id)\n)" + opts}
}

// IncludeOwners returns the items of d in res whose includes a store
// loads, or nil when d has none.
func IncludeOwners(d *emcdp.Desc, res *emcdp.QueryResult) []any {
	if d.Includes == nil {
		return nil
	}
	items := make([]any, d.Len(res))
	for i := range items {
		items[i] = d.At(res, i)
	}
	return items
}

// ClearStmt is one statement of a store's Clear, and what it does (for the
// error when it fails).
type ClearStmt struct{ SQL, Op string }

// ClearStmts returns the statements of a store's Clear, which runs them in
// one transaction: it empties the tables of the world, children before
// parents (the includes, then the described kinds' tables), its meta data,
// the tasks, the logon sessions, the failed-logon records and the report
// tables, and sets every row count and count by day to nothing. Users stay.
// DELETE rather than TRUNCATE: a reader's older snapshot keeps seeing the
// old world instead of empty tables.
func ClearStmts() []ClearStmt {
	ts := []string{ObjectsTable}
	for _, d := range emcdp.AllDescs {
		if d.IncludeTable != "" {
			ts = append(ts, d.IncludeTable)
		}
	}
	for i := len(emcdp.AllDescs) - 1; i >= 0; i-- {
		ts = append(ts, emcdp.AllDescs[i].Table)
	}
	ts = append(ts, "meta", "tasks", "logon_sessions", "logon_failures")
	var stmts []ClearStmt
	for _, t := range append(ts, ReportTables...) {
		stmts = append(stmts, ClearStmt{"DELETE FROM " + t, "clear " + t})
	}
	return append(stmts, ClearStmt{"UPDATE row_counts SET n = 0", "clear row counts"},
		ClearStmt{"DELETE FROM " + CountsTable, "clear counts by day"})
}
