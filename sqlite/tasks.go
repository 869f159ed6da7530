package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

const (
	taskCols = `num, owner, state, operation, action, target, object, params, created, apply_at, finished,
		success, message, related_type, related_id, related_name`
	finishTask = `UPDATE tasks SET state = ?, finished = ?, success = ?, message = ?, related_type = ?, related_id = ?, related_name = ?
		WHERE num = ? AND state = ? AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.target = tasks.target AND p.state = ? AND p.num < tasks.num)`
)

// CreateTask stores t as Running and sets t.Num. When its owner holds max
// tasks or more, its oldest finished ones go first, in the same transaction;
// when they are all Running, nothing is stored (emcdp.ErrTooManyTasks).
func (db *DB) CreateTask(ctx context.Context, t *emcdp.Task, max int) error {
	if err := db.check(); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tasks WHERE owner = ?`, t.Owner).Scan(&n); err != nil {
		return mapErr(err, "count tasks")
	}
	if n >= max {
		res, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE num IN (SELECT num FROM tasks WHERE owner = ? AND state <> ?
			ORDER BY num LIMIT ?)`, t.Owner, emcdp.OpRunning, n-max+1)
		if err != nil {
			return mapErr(err, "drop old tasks")
		}
		if gone, err := res.RowsAffected(); err != nil {
			return mapErr(err, "drop old tasks")
		} else if n-int(gone) >= max {
			return emcdp.ErrTooManyTasks
		}
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO tasks (owner, state, operation, action, target, object, params, created, apply_at,
		success, message, related_type, related_id, related_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', '', '') RETURNING num`,
		t.Owner, emcdp.OpRunning, t.Operation, t.Action, t.Target.String(), t.Object.String(), t.Params,
		sqlgen.Nanos(t.Created), sqlgen.Nanos(t.ApplyAt)).Scan(&t.Num)
	if err != nil {
		return mapErr(err, "create task")
	}
	t.State = emcdp.OpRunning
	return mapErr(tx.Commit(), "commit")
}

// Task returns the task numbered num.
func (db *DB) Task(ctx context.Context, num int64) (*emcdp.Task, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	t := new(emcdp.Task)
	if err := scanTask(db.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE num = ?`, num), t); err != nil {
		return nil, notFound(err, "read task")
	}
	return t, nil
}

// Tasks lists the tasks of owner by number.
func (db *DB) Tasks(ctx context.Context, owner string) ([]emcdp.Task, error) {
	return db.tasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE owner = ? ORDER BY num`, owner)
}

// DueTasks returns up to limit Running tasks due at or before t, by number,
// each the lowest Running number of its target.
func (db *DB) DueTasks(ctx context.Context, t time.Time, limit int) ([]emcdp.Task, error) {
	return db.tasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE state = ? AND apply_at <= ?
		AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.target = tasks.target AND p.state = ? AND p.num < tasks.num)
		ORDER BY num LIMIT ?`, emcdp.OpRunning, sqlgen.Nanos(t), emcdp.OpRunning, limit)
}

func (db *DB) tasks(ctx context.Context, q string, args ...any) ([]emcdp.Task, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err, "read tasks")
	}
	defer rows.Close()
	var out []emcdp.Task
	for rows.Next() {
		var t emcdp.Task
		if err := scanTask(rows, &t); err != nil {
			return nil, mapErr(err, "read tasks")
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err(), "read tasks")
}

// DeleteTask removes a task.
func (db *DB) DeleteTask(ctx context.Context, num int64) error {
	if err := db.check(); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM tasks WHERE num = ?`, num)
	if err != nil {
		return mapErr(err, "delete task")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return emcdp.ErrNotFound
	}
	return nil
}

// PruneTasks removes the finished tasks whose logon session is gone, and
// those of Basic owners finished before finishedBefore.
func (db *DB) PruneTasks(ctx context.Context, finishedBefore time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM tasks WHERE state <> ? AND (
		(owner LIKE 's:%' AND NOT EXISTS (SELECT 1 FROM logon_sessions l WHERE 's:' || lower(hex(l.id_hash)) = tasks.owner))
		OR (owner LIKE 'user:%' AND finished < ?))`, emcdp.OpRunning, sqlgen.Nanos(finishedBefore))
	if err != nil {
		return 0, mapErr(err, "prune tasks")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// finishTasks sets the batch's tasks Finished; a task that is not Running,
// or not the lowest Running number of its target, fails the batch.
func (a *applier) finishTasks(b *emcdp.Batch) error {
	for i := range b.FinishTasks {
		t := &b.FinishTasks[i]
		res, err := a.tx.ExecContext(a.ctx, finishTask, emcdp.OpFinished, sqlgen.Nanos(t.Finished), t.Success, t.Message,
			t.Related.Type, t.Related.ID.String(), t.Related.Name, t.Num, emcdp.OpRunning, emcdp.OpRunning)
		if err != nil {
			return mapErr(err, "finish task")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("sqlite: task-%d: %w", t.Num, emcdp.ErrTaskGone)
		}
	}
	return nil
}

func scanTask(r scanner, t *emcdp.Task) error {
	var target, object, related string
	var created, applyAt int64
	var finished sql.NullInt64
	err := r.Scan(&t.Num, &t.Owner, &t.State, &t.Operation, &t.Action, &target, &object, &t.Params, &created, &applyAt,
		&finished, &t.Success, &t.Message, &t.Related.Type, &related, &t.Related.Name)
	if err != nil {
		return err
	}
	t.Target, _ = emcdp.ParseID(target)
	t.Object, _ = emcdp.ParseID(object)
	t.Related.ID, _ = emcdp.ParseID(related)
	t.Created, t.ApplyAt = time.Unix(0, created).UTC(), time.Unix(0, applyAt).UTC()
	t.Finished = time.Time{}
	if finished.Valid {
		t.Finished = time.Unix(0, finished.Int64).UTC()
	}
	return nil
}
