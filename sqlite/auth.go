package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// PutUser creates a user or replaces the one with the same Name.
func (db *DB) PutUser(ctx context.Context, u *emcdp.User) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO users (name, password_hash, role, created) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, created = excluded.created`,
		u.Name, u.PasswordHash, string(u.Role), sqlgen.Nanos(u.Created))
	return mapErr(err, "write user")
}

// User reads a user by its Name (the key form), or ErrNotFound.
func (db *DB) User(ctx context.Context, name string) (*emcdp.User, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	u := new(emcdp.User)
	var role string
	var created int64
	err := db.rs.user.QueryRowContext(ctx, name).
		Scan(&u.Name, &u.PasswordHash, &role, &created)
	if err != nil {
		return nil, notFound(err, "read user")
	}
	u.Role, u.Created = emcdp.Role(role), time.Unix(0, created).UTC()
	return u, nil
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, mapErr(err, "count users")
}

// CreateLogonSession stores a new logon session under the hash of its id
// (emcdp.LogonSessionKey); an existing id fails with an error wrapping
// ErrDuplicate.
func (db *DB) CreateLogonSession(ctx context.Context, s *emcdp.LogonSession) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO logon_sessions (id_hash, user_name, user_key, created, last_seen) VALUES (?, ?, ?, ?, ?)`,
		emcdp.LogonSessionKey(s.ID), s.UserName, s.UserKey, sqlgen.Nanos(s.Created), sqlgen.Nanos(s.LastSeen))
	return mapErr(err, "create logon session")
}

const logonCols = "user_name, user_key, created, last_seen"

// LogonSession reads a logon session by id, looked up by its hash, or
// ErrNotFound.
func (db *DB) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	s := &emcdp.LogonSession{ID: id}
	var created, seen int64
	if err := db.rs.logon.QueryRowContext(ctx, emcdp.LogonSessionKey(id)).Scan(&s.UserName, &s.UserKey, &created, &seen); err != nil {
		return nil, notFound(err, "read logon session")
	}
	s.Created, s.LastSeen = time.Unix(0, created).UTC(), time.Unix(0, seen).UTC()
	return s, nil
}

// TouchLogonSession moves LastSeen forward to now; it never moves it back.
// A session that does not exist gives ErrNotFound.
func (db *DB) TouchLogonSession(ctx context.Context, id emcdp.ID, now time.Time) error {
	if err := db.check(); err != nil {
		return err
	}
	key := emcdp.LogonSessionKey(id)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin write")
	}
	defer tx.Rollback()
	var seen int64
	if err := tx.QueryRowContext(ctx, "SELECT last_seen FROM logon_sessions WHERE id_hash = ?", key).Scan(&seen); err != nil {
		return notFound(err, "read logon session")
	}
	if n := sqlgen.Nanos(now); seen < n {
		if _, err := tx.ExecContext(ctx, "UPDATE logon_sessions SET last_seen = ? WHERE id_hash = ?", n, key); err != nil {
			return mapErr(err, "touch logon session")
		}
	}
	return mapErr(tx.Commit(), "commit")
}

// DeleteLogonSession removes a logon session; ErrNotFound when there was none.
func (db *DB) DeleteLogonSession(ctx context.Context, id emcdp.ID) error {
	if err := db.check(); err != nil {
		return err
	}
	r, err := db.w.ExecContext(ctx, "DELETE FROM logon_sessions WHERE id_hash = ?", emcdp.LogonSessionKey(id))
	if err != nil {
		return mapErr(err, "delete logon session")
	}
	if n, err := r.RowsAffected(); err != nil {
		return mapErr(err, "delete logon session")
	} else if n == 0 {
		return emcdp.ErrNotFound
	}
	return nil
}

// DeleteLogonSessionsBefore removes the sessions last seen before t and
// returns how many it removed.
func (db *DB) DeleteLogonSessionsBefore(ctx context.Context, t time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	r, err := db.w.ExecContext(ctx, "DELETE FROM logon_sessions WHERE last_seen < ?", sqlgen.Nanos(t))
	if err != nil {
		return 0, mapErr(err, "delete logon sessions")
	}
	n, err := r.RowsAffected()
	return int(n), mapErr(err, "delete logon sessions")
}

// AddLogonFailure records a failure of userKey at t and returns the number of
// its failures at or after since, this one included, in one transaction.
func (db *DB) AddLogonFailure(ctx context.Context, userKey string, t, since time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, mapErr(err, "begin write")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO logon_failures (user_key, at) VALUES (?, ?)", userKey, sqlgen.Nanos(t)); err != nil {
		return 0, mapErr(err, "record logon failure")
	}
	n, err := countFailures(ctx, tx, userKey, since)
	if err != nil {
		return 0, err
	}
	return n, mapErr(tx.Commit(), "commit")
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func countFailures(ctx context.Context, q queryRower, userKey string, since time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM logon_failures WHERE user_key = ? AND at >= ?", userKey, sqlgen.Nanos(since)).Scan(&n)
	return n, mapErr(err, "count logon failures")
}

// LogonFailures counts the failures of userKey at or after since.
func (db *DB) LogonFailures(ctx context.Context, userKey string, since time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	return countFailures(ctx, db.r, userKey, since)
}

// ClearLogonFailures forgets every failure of userKey; its open reservations
// stay, so that the checks still running are counted when they fail.
func (db *DB) ClearLogonFailures(ctx context.Context, userKey string) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, "DELETE FROM logon_failures WHERE user_key = ? AND at >= 0", userKey)
	return mapErr(err, "clear logon failures")
}

// A reservation is a row of logon_failures whose at is the negated time at
// which it was taken (a failure's at is never negative), so that the
// reservations need no column of their own. A failure counts in a window
// when at >= since, a reservation when at <= -since.
const countReserved = `SELECT count(*), coalesce(sum(at >= ?2), 0) FROM logon_failures
	WHERE user_key = ?1 AND (at >= ?2 OR at <= -?2)`

// ReserveLogonFailure counts userKey's failures and reservations since since
// and, when fewer than max, records a reservation at t, in one transaction of
// the single writer.
func (db *DB) ReserveLogonFailure(ctx context.Context, userKey string, t, since time.Time, max int) (int, bool, error) {
	if err := db.check(); err != nil {
		return 0, false, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, mapErr(err, "begin write")
	}
	defer tx.Rollback()
	var held, failures int
	if err := tx.QueryRowContext(ctx, countReserved, userKey, sqlgen.Nanos(since)).Scan(&held, &failures); err != nil {
		return 0, false, mapErr(err, "count logon failures")
	}
	if held >= max {
		return failures, false, nil
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO logon_failures (user_key, at) VALUES (?, ?)", userKey, -sqlgen.Nanos(t)); err != nil {
		return 0, false, mapErr(err, "reserve logon failure")
	}
	return failures, true, mapErr(tx.Commit(), "commit")
}

// SettleLogonFailure turns one reservation of userKey at t into a failure at
// t, or removes it. Reservations with the same user and time are alike, so
// any one of them is taken.
func (db *DB) SettleLogonFailure(ctx context.Context, userKey string, t time.Time, failed bool) error {
	if err := db.check(); err != nil {
		return err
	}
	q := sqlgen.SettleLogonFailure(failed)
	_, err := db.w.ExecContext(ctx, q+" WHERE rowid = (SELECT rowid FROM logon_failures WHERE user_key = ? AND at = ? LIMIT 1)",
		userKey, -sqlgen.Nanos(t))
	return mapErr(err, "settle logon failure")
}

// PruneLogonFailures removes the failures and reservations recorded before t
// and then, while more than keep are left, the oldest of them; it returns how
// many it removed.
func (db *DB) PruneLogonFailures(ctx context.Context, before time.Time, keep int) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	r, err := db.w.ExecContext(ctx, `DELETE FROM logon_failures WHERE at BETWEEN 0 AND ?1 - 1 OR at BETWEEN 1 - ?1 AND -1 OR rowid IN
		(SELECT rowid FROM logon_failures ORDER BY abs(at) DESC, rowid DESC LIMIT -1 OFFSET ?2)`, sqlgen.Nanos(before), max(keep, 0))
	if err != nil {
		return 0, mapErr(err, "prune logon failures")
	}
	n, err := r.RowsAffected()
	return int(n), mapErr(err, "prune logon failures")
}
