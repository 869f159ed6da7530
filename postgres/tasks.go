package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const (
	taskCols = `num, owner, state, operation, action, target, object, params, created, apply_at, finished,
		success, message, related_type, related_id, related_name`
	// finishTask claims a Running task that is the lowest Running number of
	// its target. The transaction first takes the target's advisory lock, so
	// that replicas apply the writes to one object one at a time.
	lockTarget = `SELECT pg_advisory_xact_lock(hashtextextended($1, 7340))`
	// lockOwner serialises the creations of one owner's tasks, across
	// replicas too, so that the count and the insert of one see the other.
	lockOwner  = `SELECT pg_advisory_xact_lock(hashtextextended($1, 7341))`
	finishTask = `UPDATE tasks SET state = $1, finished = $2, success = $3, message = $4, related_type = $5, related_id = $6,
		related_name = $7 WHERE num = $8 AND state = $9
		AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.target = tasks.target AND p.state = $9 AND p.num < tasks.num)`
)

// CreateTask stores t as Running and sets t.Num from the table's identity.
// When its owner holds max tasks or more, its oldest finished ones go first,
// in the same transaction; when they are all Running, nothing is stored
// (emcdp.ErrTooManyTasks). The owner's advisory lock makes concurrent
// creations, from this replica or another, count one after the other; the
// transaction reads committed rows, so that the count taken after the lock
// sees the task the previous holder inserted whatever the server's default
// isolation.
func (db *DB) CreateTask(ctx context.Context, t *emcdp.Task, max int) error {
	if err := db.check(); err != nil {
		return err
	}
	tx, err := db.pool.BeginTx(ctx, writeTx)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, lockOwner, t.Owner); err != nil {
		return mapErr(err, "lock owner")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE owner = $1`, t.Owner).Scan(&n); err != nil {
		return mapErr(err, "count tasks")
	}
	if n >= max {
		tag, err := tx.Exec(ctx, `DELETE FROM tasks WHERE num IN (SELECT num FROM tasks WHERE owner = $1 AND state <> $2
			ORDER BY num LIMIT $3)`, t.Owner, int16(emcdp.OpRunning), n-max+1)
		if err != nil {
			return mapErr(err, "drop old tasks")
		}
		if n-int(tag.RowsAffected()) >= max {
			return emcdp.ErrTooManyTasks
		}
	}
	err = tx.QueryRow(ctx, `INSERT INTO tasks (owner, state, operation, action, target, object, params, created, apply_at,
		success, message, related_type, related_id, related_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, '', '', '', '')
		RETURNING num`, t.Owner, int16(emcdp.OpRunning), t.Operation, t.Action, t.Target.String(), t.Object.String(), t.Params,
		sqlgen.Nanos(t.Created), sqlgen.Nanos(t.ApplyAt)).Scan(&t.Num)
	if err != nil {
		return mapErr(err, "create task")
	}
	t.State = emcdp.OpRunning
	return mapErr(tx.Commit(ctx), "commit")
}

// Task returns the task numbered num.
func (db *DB) Task(ctx context.Context, num int64) (*emcdp.Task, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	t := new(emcdp.Task)
	if err := scanTask(db.pool.QueryRow(ctx, `SELECT `+taskCols+` FROM tasks WHERE num = $1`, num), t); err != nil {
		return nil, notFound(err, "read task")
	}
	return t, nil
}

// Tasks lists the tasks of owner by number.
func (db *DB) Tasks(ctx context.Context, owner string) ([]emcdp.Task, error) {
	return db.tasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE owner = $1 ORDER BY num`, owner)
}

// DueTasks returns up to limit Running tasks due at or before t, by number,
// each the lowest Running number of its target.
func (db *DB) DueTasks(ctx context.Context, t time.Time, limit int) ([]emcdp.Task, error) {
	return db.tasks(ctx, `SELECT `+taskCols+` FROM tasks WHERE state = $1 AND apply_at <= $2
		AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.target = tasks.target AND p.state = $1 AND p.num < tasks.num)
		ORDER BY num LIMIT $3`, int16(emcdp.OpRunning), sqlgen.Nanos(t), limit)
}

func (db *DB) tasks(ctx context.Context, q string, args ...any) ([]emcdp.Task, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, q, args...)
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
	tag, err := db.pool.Exec(ctx, `DELETE FROM tasks WHERE num = $1`, num)
	if err != nil {
		return mapErr(err, "delete task")
	}
	if tag.RowsAffected() == 0 {
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
	tag, err := db.pool.Exec(ctx, `DELETE FROM tasks WHERE state <> $1 AND (
		(owner LIKE 's:%' AND NOT EXISTS (SELECT 1 FROM logon_sessions l WHERE 's:' || encode(l.id_hash, 'hex') = tasks.owner))
		OR (owner LIKE 'user:%' AND finished < $2))`, int16(emcdp.OpRunning), sqlgen.Nanos(finishedBefore))
	if err != nil {
		return 0, mapErr(err, "prune tasks")
	}
	return int(tag.RowsAffected()), nil
}

// finishTasks sets the batch's tasks Finished, each under its target's
// advisory lock; a task that is not Running, or not the lowest Running
// number of its target, fails the batch.
func (a *applier) finishTasks(b *emcdp.Batch) error {
	for i := range b.FinishTasks {
		t := &b.FinishTasks[i]
		if _, err := a.tx.Exec(a.ctx, lockTarget, t.Target.String()); err != nil {
			return mapErr(err, "lock task target")
		}
		tag, err := a.tx.Exec(a.ctx, finishTask, int16(emcdp.OpFinished), sqlgen.Nanos(t.Finished), t.Success, t.Message,
			t.Related.Type, t.Related.ID.String(), t.Related.Name, t.Num, int16(emcdp.OpRunning))
		if err != nil {
			return mapErr(err, "finish task")
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("postgres: task-%d: %w", t.Num, emcdp.ErrTaskGone)
		}
	}
	return nil
}

func scanTask(r pgx.Row, t *emcdp.Task) error {
	var target, object, related string
	var created, applyAt int64
	var state int16
	var finished pgtype.Int8
	err := r.Scan(&t.Num, &t.Owner, &state, &t.Operation, &t.Action, &target, &object, &t.Params, &created, &applyAt,
		&finished, &t.Success, &t.Message, &t.Related.Type, &related, &t.Related.Name)
	if err != nil {
		return err
	}
	t.State = emcdp.OpState(state)
	t.Target, _ = emcdp.ParseID(target)
	t.Object, _ = emcdp.ParseID(object)
	t.Related.ID, _ = emcdp.ParseID(related)
	t.Created, t.ApplyAt = time.Unix(0, created).UTC(), time.Unix(0, applyAt).UTC()
	t.Finished = timeOf(finished)
	return nil
}
