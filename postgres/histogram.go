package postgres

import (
	"context"
	"fmt"

	"github.com/emcdp/emcdp"
)

// TaskSessionHistogram counts the task sessions created in h's window per
// group, bucket, result and running state in one aggregate read over the
// creation-time index.
func (db *DB) TaskSessionHistogram(ctx context.Context, h *emcdp.Histogram) ([]emcdp.HistogramCell, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	if err := h.Check(); err != nil {
		return nil, err
	}
	// The read of sqlite/histogram.go in this dialect: ids group as text
	// (SQLite groups their bytes), and no index is named, as PostgreSQL
	// takes no index hints.
	table, parent, _ := h.Source() // checked by h.Check
	from, to, width := h.From.UnixNano(), h.To.UnixNano(), int64(h.Width)
	group, where := parent+"::text", ""
	args := []any{from, width, to}
	if h.Parent != nil {
		group, where = "vm_display_name", " AND "+parent+" = $4"
		args = append(args, uid(h.Parent))
	}
	stmt := fmt.Sprintf(`SELECT %[1]s, ((creation_time - $1) / $2)::int, result, end_time IS NULL, count(*)::int
FROM %[3]s
WHERE creation_time >= $1 AND creation_time < $3%[2]s
GROUP BY 1, 2, 3, 4`, group, where, table)
	rows, err := db.pool.Query(ctx, stmt, args...)
	if err != nil {
		return nil, mapErr(err, "count task sessions")
	}
	defer rows.Close()
	var out []emcdp.HistogramCell
	for rows.Next() {
		var c emcdp.HistogramCell
		var res int16
		if err := rows.Scan(&c.Group, &c.Bucket, &res, &c.Running, &c.Count); err != nil {
			return nil, mapErr(err, "count task sessions")
		}
		c.Result = emcdp.Result(res)
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "count task sessions")
}
