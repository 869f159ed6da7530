package sqlite

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
	stmt, args := histogramStmt(h)
	byVM := h.Parent != nil
	rows, err := db.r.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, mapErr(err, "count task sessions")
	}
	defer rows.Close()
	var out []emcdp.HistogramCell
	for rows.Next() {
		var c emcdp.HistogramCell
		var g any
		if err := rows.Scan(&g, &c.Bucket, &c.Result, &c.Running, &c.Count); err != nil {
			return nil, mapErr(err, "count task sessions")
		}
		switch v := g.(type) {
		case []byte:
			if byVM {
				c.Group = string(v)
			} else {
				var id emcdp.ID
				copy(id[:], v)
				c.Group = id.String()
			}
		case string:
			c.Group = v
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), "count task sessions")
}

// histogramStmt is the aggregate read of h. CDP task sessions are counted
// from the index task_sessions_histogram alone (with Parent, only the
// policy's rows are read from the table, for their VM's name); the index is
// named, as by VM the planner would otherwise read every row of the window
// from the table.
func histogramStmt(h *emcdp.Histogram) (string, []any) {
	table, parent, _ := h.Source() // checked by h.Check
	from, to, width := h.From.UnixNano(), h.To.UnixNano(), int64(h.Width)
	group, where, hint := parent, "", ""
	if table == "task_sessions" {
		hint = " INDEXED BY task_sessions_histogram"
	}
	args := []any{from, width, from, to}
	if h.Parent != nil {
		group, where = "vm_display_name COLLATE BINARY", " AND "+parent+" = ?"
		args = append(args, h.Parent[:])
	}
	return fmt.Sprintf(`SELECT %[1]s, (creation_time - ?) / ?, result, end_time IS NULL, count(*)
FROM %[3]s%[4]s
WHERE creation_time >= ? AND creation_time < ?%[2]s
GROUP BY 1, 2, 3, 4`, group, where, table, hint), args
}
