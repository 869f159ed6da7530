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
	from, to, width := h.From.UnixNano(), h.To.UnixNano(), int64(h.Width)
	group, where := "policy_id::text", ""
	args := []any{from, width, to}
	if h.PolicyID != nil {
		group, where = "vm_display_name", " AND policy_id = $4"
		args = append(args, uid(h.PolicyID))
	}
	stmt := fmt.Sprintf(`SELECT %[1]s, ((creation_time - $1) / $2)::int, result, end_time IS NULL, count(*)::int
FROM task_sessions
WHERE creation_time >= $1 AND creation_time < $3%[2]s
GROUP BY 1, 2, 3, 4`, group, where)
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
