package sqlgen

import (
	"fmt"
	"strings"

	"github.com/emcdp/emcdp"
)

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

// EnsureKinds brings the schema of the described kinds (emcdp.AllDescs) up
// to their descriptions: it creates the tables and indexes that do not
// exist yet, adds the columns a description gained since, starts the row
// counts of the counted tables, and creates and starts the counts by day
// (CountsTable), with their versions and, on SQLite, the versions of the
// Versioned kinds' rows (ItemVersions). The tables of the numbered migrations (Desc.Migrated) are
// not made here, only extended. columns returns the names of the columns a
// table has, from the engine's catalog; exec runs one statement (its error
// is named by the statement's first line). A store calls it at open inside
// one transaction, which it also uses to keep other processes opening at
// once from doing it twice.
func EnsureKinds(dl *Dialect, columns func(table string) (map[string]bool, error), exec func(stmt string) error) error {
	run := schemaExec(dl, exec)
	for _, d := range emcdp.AllDescs {
		if !d.Migrated {
			if err := run(CreateTable(dl, d)...); err != nil {
				return err
			}
		}
		have, err := columns(d.Table)
		if err != nil {
			return err
		}
		for _, p := range StoredProps(d) {
			if !have[p.Column] {
				if err := run(AddColumn(dl, d, p)); err != nil {
					return err
				}
			}
		}
		if Tables[d.Kind].Counted && !d.Migrated {
			if err := run(InitCount(d)); err != nil {
				return err
			}
		}
	}
	if err := run(append(CreateObjects(dl), CreateCounts(dl))...); err != nil {
		return err
	}
	if dl.Name == SQLite.Name {
		have, err := columns(CountsTable)
		if err != nil {
			return err
		}
		if err := run(CountVersions(have)...); err != nil {
			return err
		}
		for _, d := range emcdp.AllDescs {
			if !Versioned(d) {
				continue
			}
			have, err := columns(d.Table)
			if err != nil {
				return err
			}
			if err := run(ItemVersions(d, have)...); err != nil {
				return err
			}
		}
	}
	for _, d := range emcdp.AllDescs {
		if Tables[d.Kind].Bucketed {
			if err := run(InitCounts(d)); err != nil {
				return err
			}
		}
	}
	return nil
}

// EnsureReports creates the report tables and the triggers that keep them
// (ReportSchema) and, when fresh (the tables did not exist before), fills
// them from the rows already stored (ReportRebuild), each statement run
// through exec as in EnsureKinds.
func EnsureReports(dl *Dialect, fresh bool, exec func(stmt string) error) error {
	stmts := ReportSchema(dl)
	if fresh {
		stmts = append(stmts, ReportRebuild(dl)...)
	}
	return schemaExec(dl, exec)(stmts...)
}

// schemaExec returns a function that runs statements through exec in order
// and stops at the first that fails, naming it by its first line.
func schemaExec(dl *Dialect, exec func(stmt string) error) func(stmts ...string) error {
	return func(stmts ...string) error {
		for _, s := range stmts {
			if err := exec(s); err != nil {
				l, _, _ := strings.Cut(s, "\n")
				return fmt.Errorf("%s: %s: %w", dl.Name, l, err)
			}
		}
		return nil
	}
}

// NameSet reads a result of one text column, such as the column names of a
// table from an engine's catalog, into a set.
func NameSet(rows Rows) (map[string]bool, error) {
	m := map[string]bool{}
	err := EachRow(rows, func(scan func(dest ...any) error) error {
		var n string
		err := scan(&n)
		m[n] = true
		return err
	})
	return m, err
}
