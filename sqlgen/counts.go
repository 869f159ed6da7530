package sqlgen

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// The sessions of a table whose creation time never changes (Table.Bucketed)
// are also counted per day of creation in CountsTable, maintained by the
// stores in the transaction that inserts or prunes them. Two reads use the
// counts instead of walking an index entry by entry:
//
//   - the Total of a filter that is only a window of creation times: the
//     days inside the window are summed from the counts and only its partial
//     days at either end are counted row by row (a whole-day window, the
//     common query, reads one count);
//   - a deep page in creation order without a filter: the running sum of the
//     counts finds the day that holds the page's first row and how many rows
//     of the order come before that day, so the page skips only rows of that
//     day inside the index instead of every row before it.
//
// The counts are exact and read in the same transaction as the page, so
// both answers are those of the walk they replace.
const (
	CountsTable = "creation_counts"
	BucketWidth = int64(24 * time.Hour)
)

// maxBucketed bounds the creation times whose buckets are computed, so that
// bucket*BucketWidth never overflows; windows beyond it (before 1823 or after
// 2116) are counted the plain way.
const maxBucketed = int64(1) << 62

// Bucket is the day bucket of a creation time in nanoseconds: floor division
// by BucketWidth.
func Bucket(nanos int64) int64 {
	b := nanos / BucketWidth
	if nanos%BucketWidth < 0 {
		b--
	}
	return b
}

// bucketExpr is the SQL of Bucket(col), the same floor division in both
// dialects (whose integer division truncates towards zero).
func bucketExpr(col string) string {
	w := strconv.FormatInt(BucketWidth, 10)
	return "(CASE WHEN " + col + " >= 0 THEN " + col + " / " + w + " ELSE (" + col + " + 1) / " + w + " - 1 END)"
}

// bucketed reports whether d's rows are counted per day of creation: a
// session kind whose updates never write the creation time.
func bucketed(d *emcdp.Desc) bool {
	if !d.Session || d.Column("creation_time") == nil {
		return false
	}
	for _, p := range UpdatedProps(d) {
		if p.Column == "creation_time" {
			return false
		}
	}
	return true
}

// CreateCounts returns the statement that creates CountsTable. SQLite keeps
// it WITHOUT ROWID, clustered on its key, so that a table's days are read
// from one place.
func CreateCounts(dl *Dialect) string {
	text, big, opts := "TEXT", "INTEGER", " WITHOUT ROWID"
	if dl.Name == Postgres.Name {
		text, big, opts = "text", "bigint", ""
	}
	return "CREATE TABLE IF NOT EXISTS " + CountsTable + " (\n    tbl " + text + " NOT NULL,\n    bucket " + big +
		" NOT NULL,\n    n " + big + " NOT NULL,\n    PRIMARY KEY (tbl, bucket)\n)" + opts
}

// CountsSeq is the SQLite table of the one sequence that numbers the
// versions of the counts by day (CountVersions). It is never cleared, so a
// version number is never given twice.
const CountsSeq = "creation_counts_seq"

// CountVersions returns the SQLite statements that version the counts by
// day, given the columns CountsTable has: a column ver, and triggers that
// set it, whenever a count is inserted or its n written, to the next number
// of CountsSeq, which the removal of a count advances too. So the sequence
// moves with every change to the counts, in its transaction: the copy of
// the counts that the SQLite store keeps for placing deep pages holds while
// the number stands still. Every write that changes the rows of a bucketed
// table writes the count of each day it changes in the same transaction
// (that is what keeps the counts exact), so a day whose count holds the
// same ver in two snapshots holds the same rows in both, whatever process
// wrote in between and whichever release it was: the triggers are the
// schema's. A day counted anew after its count was removed gets a new
// number, as the sequence only grows. The store remembers where deep pages
// start inside a day under the day's ver (see the sqlite package's
// anchors). A count left from before the column has ver 0 until it is next
// written.
func CountVersions(have map[string]bool) []string {
	var stmts []string
	if !have["ver"] {
		stmts = append(stmts, "ALTER TABLE "+CountsTable+" ADD COLUMN ver INTEGER NOT NULL DEFAULT 0")
	}
	advance := "UPDATE " + CountsSeq + " SET seq = seq + 1;"
	next := advance + "\n    UPDATE " + CountsTable + " SET ver = (SELECT seq FROM " + CountsSeq +
		") WHERE tbl = NEW.tbl AND bucket = NEW.bucket;\nEND"
	return append(stmts,
		"CREATE TABLE IF NOT EXISTS "+CountsSeq+" (\n    one INTEGER NOT NULL PRIMARY KEY CHECK (one = 1),\n    seq INTEGER NOT NULL\n)",
		"INSERT OR IGNORE INTO "+CountsSeq+" (one, seq) VALUES (1, 0)",
		"CREATE TRIGGER IF NOT EXISTS "+CountsTable+"_ver_ins AFTER INSERT ON "+CountsTable+" BEGIN\n    "+next,
		"CREATE TRIGGER IF NOT EXISTS "+CountsTable+"_ver_upd AFTER UPDATE OF tbl, bucket, n ON "+CountsTable+" BEGIN\n    "+next,
		"CREATE TRIGGER IF NOT EXISTS "+CountsTable+"_ver_del AFTER DELETE ON "+CountsTable+" BEGIN\n    "+advance+"\nEND",
	)
}

// InitCounts returns the statement that counts the rows d's table already
// holds per bucket, unless its counts are there: it starts the counts of a
// database written before they were kept.
func InitCounts(d *emcdp.Desc) string {
	return "INSERT INTO " + CountsTable + " (tbl, bucket, n) SELECT '" + d.Table + "', " + bucketExpr("creation_time") +
		", count(*) FROM " + d.Table + " WHERE NOT EXISTS (SELECT 1 FROM " + CountsTable + " WHERE tbl = '" + d.Table +
		"') GROUP BY 2"
}

// AddCount returns the statement that adds its third argument to the count
// of table (first) and bucket (second).
func AddCount(dl *Dialect) string {
	return "INSERT INTO " + CountsTable + " (tbl, bucket, n) VALUES (" + Placeholders(dl, 3) +
		") ON CONFLICT (tbl, bucket) DO UPDATE SET n = " + CountsTable + ".n + excluded.n"
}

// PruneCounts returns the statements that follow the removal of d's rows
// created before cut: the counts of the days before cut's are dropped and
// cut's own day is counted again from the rows left.
func PruneCounts(dl *Dialect, d *emcdp.Desc, cut int64) (stmts []string, args [][]any) {
	b := Bucket(cut)
	p := dl.Placeholder
	return []string{
			"DELETE FROM " + CountsTable + " WHERE tbl = " + p(1) + " AND bucket < " + p(2),
			"UPDATE " + CountsTable + " SET n = (SELECT count(*) FROM " + d.Table + " WHERE creation_time >= " + p(1) +
				" AND creation_time < " + p(2) + ") WHERE tbl = " + p(3) + " AND bucket = " + p(4),
		}, [][]any{
			{d.Table, b},
			{b * BucketWidth, (b + 1) * BucketWidth, d.Table, b},
		}
}

// Counts collects the changes of a write to the counts, per table and
// bucket.
type Counts map[CountKey]int64

// CountKey names one count.
type CountKey struct {
	Table  string
	Bucket int64
}

// Insert counts item, a new row of d, when d is counted per bucket.
func (c Counts) Insert(d *emcdp.Desc, item any) {
	if Tables[d.Kind].Bucketed {
		c[CountKey{d.Table, Bucket(Nanos(d.Column("creation_time").Get(item).Time))}]++
	}
}

// Keys returns the keys of c in order: by table, then bucket.
func (c Counts) Keys() []CountKey {
	ks := make([]CountKey, 0, len(c))
	for k := range c {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b CountKey) int {
		if a.Table != b.Table {
			return strings.Compare(a.Table, b.Table)
		}
		return cmp.Compare(a.Bucket, b.Bucket)
	})
	return ks
}

// Window is a range of creation times, from Lo (inclusive) to Hi
// (exclusive), each bound only when its Has flag is set.
type Window struct {
	Lo, Hi       int64
	HasLo, HasHi bool
}

// CreationWindow returns the window of creation times that filter e of kind
// k selects, when e is only that: a comparison of CreationTimeUTC with a
// time, or an And of such comparisons. ok is false for every other filter
// and for windows too far from today to be counted by buckets.
func CreationWindow(k emcdp.Kind, e emcdp.Expr) (w Window, ok bool) {
	d := emcdp.KindDesc(k)
	if d == nil || !Tables[k].Bucketed || e == nil {
		return w, false
	}
	created := d.Column("creation_time").Field
	var terms []emcdp.Expr
	switch e := e.(type) {
	case *emcdp.And:
		terms = e.Terms
	case *emcdp.Term:
		terms = []emcdp.Expr{e}
	default:
		return w, false
	}
	if len(terms) == 0 {
		return w, false
	}
	lower := func(v int64) {
		if !w.HasLo || v > w.Lo {
			w.Lo, w.HasLo = v, true
		}
	}
	upper := func(v int64) {
		if !w.HasHi || v < w.Hi {
			w.Hi, w.HasHi = v, true
		}
	}
	for _, t := range terms {
		t, isTerm := t.(*emcdp.Term)
		if !isTerm || t == nil || t.Field.Column != created.Column || t.Field.Type != created.Type {
			return w, false
		}
		v := Nanos(t.Value.Time)
		if v <= -maxBucketed || v >= maxBucketed {
			return w, false
		}
		switch t.Op {
		case emcdp.OpGe:
			lower(v)
		case emcdp.OpGt:
			lower(v + 1)
		case emcdp.OpLt:
			upper(v)
		case emcdp.OpLe:
			upper(v + 1)
		case emcdp.OpEq:
			lower(v)
			upper(v + 1)
		default:
			return w, false
		}
	}
	return w, true
}

// consistent is the SQL condition that the counts of the table named by
// parameter p agree with its row count in row_counts. Both are kept by this
// version in the same transactions; a version from before the counts keeps
// only row_counts, so rows it wrote or removed leave the two apart, and the
// reads then take the plain way.
func consistent(dl *Dialect, p int) string {
	return "(SELECT coalesce(sum(n), 0) FROM " + CountsTable + " WHERE tbl = " + Opaque(dl, numbered(dl, p)) +
		") = (SELECT n FROM row_counts WHERE tbl = " + Opaque(dl, numbered(dl, p)) + ")"
}

// numbered is the marker of the n-th parameter that may be used more than
// once in a statement: SQLite's "?" takes the next parameter each time, its
// "?NNN" names one.
func numbered(dl *Dialect, n int) string {
	if dl.Name == SQLite.Name {
		return "?" + strconv.Itoa(n)
	}
	return dl.Placeholder(n)
}

// CountWindow returns the statement and arguments that count the rows of
// table t in window w: the whole days inside it from the counts, the partial
// days at its ends from the table (ranges that may be empty). The statement
// returns whether the counts can be used (consistent), then the count. ok
// is false when w holds no whole day, so that the plain count is as cheap.
func CountWindow(dl *Dialect, t Table, w Window) (stmt string, args []any, ok bool) {
	first, end := int64(math.MinInt64), int64(math.MaxInt64) // whole buckets [first, end)
	if w.HasLo {
		first = Bucket(w.Lo)
		if first*BucketWidth < w.Lo {
			first++
		}
	}
	if w.HasHi {
		end = Bucket(w.Hi)
	}
	if first >= end {
		return "", nil, false
	}
	// The partial days: [Lo, first day) and [end day, Hi), empty when the
	// window starts or ends on a day boundary or is open on that side.
	headLo, headHi, tailLo, tailHi := int64(0), int64(0), int64(0), int64(0)
	if w.HasLo {
		headLo, headHi = w.Lo, first*BucketWidth
	}
	if w.HasHi {
		tailLo, tailHi = end*BucketWidth, w.Hi
	}
	p := func(n int) string { return numbered(dl, n) }
	stmt = "SELECT " + consistent(dl, 1) + ", (SELECT coalesce(sum(n), 0) FROM " + CountsTable + " WHERE tbl = " + Opaque(dl, p(1)) +
		" AND bucket >= " + p(2) + " AND bucket < " + p(3) + ") + (SELECT count(*) FROM " + t.Name + " WHERE creation_time >= " +
		p(4) + " AND creation_time < " + p(5) + ") + (SELECT count(*) FROM " + t.Name + " WHERE creation_time >= " + p(6) +
		" AND creation_time < " + p(7) + ")"
	return stmt, []any{t.Name, first, end, headLo, headHi, tailLo, tailHi}, true
}

// SeekByCounts reports whether the page of q is found from the counts (see
// CountsTable): a page after the first of a counted table without a filter,
// in creation order.
func SeekByCounts(q *emcdp.Query) bool {
	if q.Filter != nil || q.PageSize <= 0 || q.Page <= 1 || !Tables[q.Kind].Bucketed {
		return false
	}
	return q.Sort == nil || q.Sort.Column == "creation_time"
}

// SeekBucket returns the statement that finds, for a page of q starting at
// the offset given as its second argument, the bucket holding the page's
// first row and how many rows of the order come before that bucket. It
// returns one row: whether the counts can be used (consistent), then the
// bucket and the rows before it, both NULL when the offset is past the last
// row. Its first argument is the table's name.
func SeekBucket(dl *Dialect, q *emcdp.Query) string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	return "SELECT " + consistent(dl, 1) + ", s.bucket, s.before FROM (SELECT 1) AS one LEFT JOIN (SELECT bucket, cum - n AS before FROM " +
		"(SELECT bucket, n, CAST(sum(n) OVER (ORDER BY bucket" + dir + ") AS BIGINT) AS cum FROM " + CountsTable +
		" WHERE tbl = " + Opaque(dl, numbered(dl, 1)) + ") AS c WHERE cum > " + numbered(dl, 2) + " ORDER BY bucket" + dir +
		" LIMIT 1) AS s ON 1 = 1"
}

// Seek returns the clauses that read the page of q (SeekByCounts, compiled
// into c) from what SeekBucket returned: c itself when the counts cannot be
// used, nil when the page starts past the last row, otherwise the page from
// inside its bucket: the rows from that bucket on in q's order, after those
// of the bucket that come before the page. Offset keeps the page's offset in
// the whole order. A bucket too far from today to be addressed is read the
// plain way.
func Seek(dl *Dialect, q *emcdp.Query, c *Clauses, usable bool, bucket, before *int64) (*Clauses, error) {
	switch {
	case !usable:
		return c, nil
	case bucket == nil || before == nil:
		return nil, nil
	case *bucket <= -maxBucketed/BucketWidth || *bucket >= maxBucketed/BucketWidth:
		return c, nil
	}
	sc, err := Compile(dl, q)
	if err != nil {
		return nil, err
	}
	if q.Desc {
		sc.Where = "creation_time < " + dl.Placeholder(1)
		sc.Args = []any{(*bucket + 1) * BucketWidth}
	} else {
		sc.Where = "creation_time >= " + dl.Placeholder(1)
		sc.Args = []any{*bucket * BucketWidth}
	}
	sc.WhereArgs = 1
	sc.Limit = "LIMIT " + Opaque(dl, dl.Placeholder(2)) + " OFFSET " + dl.Placeholder(3)
	sc.Skip = int64(c.Offset) - *before
	sc.Args = append(sc.Args, int64(q.PageSize), sc.Skip)
	return sc, nil
}

// Key is the place of a row in creation order: its creation time (Nanos)
// and its id, the order's tie-breaker.
type Key struct {
	Created int64
	ID      emcdp.ID
}

// SeekFrom returns the clauses that read the page of q (SeekByCounts,
// compiled into c) from the row at key k on, after skipping skip rows: the
// rows from k on in q's order, which starts at k itself. A store uses it
// when it knows that the row at k comes that many rows before the page's
// first row (see the sqlite package's anchors). Offset keeps the page's
// offset in the whole order.
func SeekFrom(dl *Dialect, q *emcdp.Query, c *Clauses, k Key, skip int64) *Clauses {
	p := dl.Placeholder
	sc := &Clauses{OrderBy: c.OrderBy, Offset: c.Offset, Skip: skip, WhereArgs: 3,
		Limit: "LIMIT " + Opaque(dl, p(4)) + " OFFSET " + p(5),
		Args:  []any{k.Created, k.Created, dl.IDValue(k.ID), int64(q.PageSize), skip}}
	// Creation time first, so that the index on it bounds the walk; the
	// id decides only among rows created at k's time.
	if q.Desc {
		sc.Where = "creation_time <= " + p(1) + " AND (creation_time < " + p(2) + " OR " + IDColumn + " >= " + p(3) + ")"
	} else {
		sc.Where = "creation_time >= " + p(1) + " AND (creation_time > " + p(2) + " OR " + IDColumn + " >= " + p(3) + ")"
	}
	return sc
}

// VersionSeq is the SQLite table of the one sequence that numbers the
// versions of the versioned kinds' rows (ItemVersions). Like CountsSeq it
// is never cleared, so a version number is never given twice.
const VersionSeq = "item_versions_seq"

// Versioned reports whether the SQLite store versions the rows of d
// (ItemVersions): the kinds whose entity holds related rows (Desc.Related),
// the backup job sessions with their restore points, whose encoded answers
// are the costliest to make again.
func Versioned(d *emcdp.Desc) bool { return d.Related != nil }

// ItemVersions returns the SQLite statements that version the rows of d (a
// Versioned kind), given the columns its table has: a column ver, and
// triggers that set it to the next number of VersionSeq whenever the row is
// inserted or updated, and whenever a related row (Desc.Related) naming it
// is inserted, updated or removed. So a row's ver changes in the
// transaction of every write that changes what its entity holds, whatever
// process wrote and whichever release it was (the triggers are the
// schema's), and, the sequence only growing, never comes back: a row
// removed and inserted again gets a new number. A reader that finds a row
// at a ver it has seen before may use what it made of the row then. A row
// left from before the column has ver 0 until it is next written; no
// written row has 0. The triggers on the table itself fire only where ver
// stands still, so that their own write does not fire them again.
func ItemVersions(d *emcdp.Desc, have map[string]bool) []string {
	var stmts []string
	if !have["ver"] {
		stmts = append(stmts, "ALTER TABLE "+d.Table+" ADD COLUMN ver INTEGER NOT NULL DEFAULT 0")
	}
	set := func(where string) string {
		return "BEGIN\n    UPDATE " + VersionSeq + " SET seq = seq + 1;\n    UPDATE " + d.Table + " SET ver = (SELECT seq FROM " +
			VersionSeq + ") WHERE " + where + ";\nEND"
	}
	rel, col := d.Related.Of.Table, d.Related.Column
	trigger := func(name, event, table string) string {
		return "CREATE TRIGGER IF NOT EXISTS " + d.Table + "_ver_" + name + " AFTER " + event + " ON " + table + " FOR EACH ROW "
	}
	return append(stmts,
		"CREATE TABLE IF NOT EXISTS "+VersionSeq+" (\n    one INTEGER NOT NULL PRIMARY KEY CHECK (one = 1),\n    seq INTEGER NOT NULL\n)",
		"INSERT OR IGNORE INTO "+VersionSeq+" (one, seq) VALUES (1, 0)",
		trigger("ins", "INSERT", d.Table)+set("id = NEW.id"),
		trigger("upd", "UPDATE", d.Table)+"WHEN NEW.ver IS OLD.ver "+set("id = NEW.id"),
		trigger("rel_ins", "INSERT", rel)+set("id = NEW."+col),
		trigger("rel_upd", "UPDATE", rel)+set("id IN (OLD."+col+", NEW."+col+")"),
		trigger("rel_del", "DELETE", rel)+set("id = OLD."+col),
	)
}
