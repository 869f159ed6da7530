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
			if h.PolicyID != nil {
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

// histogramStmt is the aggregate read of h, answered from the index
// task_sessions_histogram alone (with PolicyID, only the policy's rows are
// read from the table, for their VM's name). The index is named: by VM, the
// planner would otherwise read every row of the window from the table.
func histogramStmt(h *emcdp.Histogram) (string, []any) {
	from, to, width := h.From.UnixNano(), h.To.UnixNano(), int64(h.Width)
	group, where := "policy_id", ""
	args := []any{from, width, from, to}
	if h.PolicyID != nil {
		group, where = "vm_display_name COLLATE BINARY", " AND policy_id = ?"
		args = append(args, h.PolicyID[:])
	}
	return fmt.Sprintf(`SELECT %[1]s, (creation_time - ?) / ?, result, end_time IS NULL, count(*)
FROM task_sessions INDEXED BY task_sessions_histogram
WHERE creation_time >= ? AND creation_time < ?%[2]s
GROUP BY 1, 2, 3, 4`, group, where), args
}
