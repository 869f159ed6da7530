package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/emcdp/emcdp/sqlgen"
)

// days keeps a copy of the counts by day (sqlgen.CountsTable) of each
// bucketed table, taken at one number of their sequence
// (sqlgen.CountVersions), for placing deep pages: the sequence advances in
// the transaction of every change to the counts, so while a read
// transaction sees the number of the copy, the counts it would read are the
// copy. A deep page then reads the number and its table's row count (two
// lookups) instead of summing every day of the table in SQL, a sixth of the
// instructions of a deep page from its anchor. Any write to the counts (each
// write of sessions) makes the next deep page read them again.
type days struct {
	mu     sync.Mutex
	tables map[string]*dayCounts
}

// dayCounts are the counts of one table's days at sequence number seq, in
// ascending order of day, and their sum.
type dayCounts struct {
	seq  int64
	sum  int64
	days []dayCount
}

// dayCount is the count of one day and its version.
type dayCount struct{ bucket, n, ver int64 }

const (
	countsState = "SELECT (SELECT seq FROM " + sqlgen.CountsSeq + "), (SELECT n FROM row_counts WHERE tbl = +?)"
	countsRead  = "SELECT bucket, n, ver FROM " + sqlgen.CountsTable + " WHERE tbl = +? ORDER BY bucket"
)

// read returns the counts by day of table as tx sees them, and its row
// count in row_counts (nil when it has none).
func (ds *days) read(ctx context.Context, tx *sql.Tx, table string) (*dayCounts, *int64, error) {
	var seq int64
	var rows *int64
	if err := tx.QueryRowContext(ctx, countsState, table).Scan(&seq, &rows); err != nil {
		return nil, nil, mapErr(err, "seek "+table)
	}
	ds.mu.Lock()
	dc := ds.tables[table]
	ds.mu.Unlock()
	if dc != nil && dc.seq == seq {
		return dc, rows, nil
	}
	dc = &dayCounts{seq: seq}
	rs, err := tx.QueryContext(ctx, countsRead, table)
	if err != nil {
		return nil, nil, mapErr(err, "seek "+table)
	}
	defer rs.Close()
	for rs.Next() {
		var d dayCount
		if err := rs.Scan(&d.bucket, &d.n, &d.ver); err != nil {
			return nil, nil, mapErr(err, "seek "+table)
		}
		dc.days = append(dc.days, d)
		dc.sum += d.n
	}
	if err := rs.Err(); err != nil {
		return nil, nil, mapErr(err, "seek "+table)
	}
	ds.mu.Lock()
	if ds.tables == nil {
		ds.tables = map[string]*dayCounts{}
	}
	if old := ds.tables[table]; old == nil || old.seq < seq {
		ds.tables[table] = dc
	}
	ds.mu.Unlock()
	return dc, rows, nil
}

// place returns the day that holds row offset of the order (newest day
// first when desc), the rows of the order before that day and the day's
// version; ok is false when the offset is past the last row. It is the
// running sum that sqlgen.SeekBucket computes in SQL.
func (dc *dayCounts) place(desc bool, offset int64) (bucket, before, ver int64, ok bool) {
	n := len(dc.days)
	for i := range n {
		d := dc.days[i]
		if desc {
			d = dc.days[n-1-i]
		}
		if before+d.n > offset {
			return d.bucket, before, d.ver, true
		}
		before += d.n
	}
	return 0, 0, 0, false
}
