package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
)

// Users, logon sessions and logon failures live in the database, so every
// replica sees the same ones: a session opened at one replica is valid at
// another, a logoff or an expiry at one ends it at all, and failed logons
// count towards one lockout whichever replica they reach.

// PutUser creates a user or replaces the one with the same Name.
func (db *DB) PutUser(ctx context.Context, u *emcdp.User) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO users (name, password_hash, role, created) VALUES ($1, $2, $3, $4)
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
	err := db.pool.QueryRow(ctx, "SELECT name, password_hash, role, created FROM users WHERE name = $1", name).
		Scan(&u.Name, &u.PasswordHash, &role, &created)
	if err != nil {
		return nil, notFound(err, "read user")
	}
	u.Role, u.Created = emcdp.Role(role), fromNanos(created)
	return u, nil
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	var n int64
	err := db.pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n)
	return int(n), mapErr(err, "count users")
}

// CreateLogonSession stores a new logon session under the hash of its id
// (emcdp.LogonSessionKey); an existing id fails with an error wrapping
// ErrDuplicate.
func (db *DB) CreateLogonSession(ctx context.Context, s *emcdp.LogonSession) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO logon_sessions (id_hash, user_name, user_key, created, last_seen) VALUES ($1, $2, $3, $4, $5)`,
		emcdp.LogonSessionKey(s.ID), s.UserName, s.UserKey, sqlgen.Nanos(s.Created), sqlgen.Nanos(s.LastSeen))
	return mapErr(err, "create logon session")
}

// logonByHash reads a logon session by the hash of its id.
const logonByHash = "SELECT user_name, user_key, created, last_seen FROM logon_sessions WHERE id_hash = $1"

// LogonSession reads a logon session by id, looked up by its hash, or
// ErrNotFound.
func (db *DB) LogonSession(ctx context.Context, id emcdp.ID) (*emcdp.LogonSession, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	s, err := scanLogon(db.pool.QueryRow(ctx, logonByHash, emcdp.LogonSessionKey(id)), id)
	if err != nil {
		return nil, notFound(err, "read logon session")
	}
	return s, nil
}

func scanLogon(row pgx.Row, id emcdp.ID) (*emcdp.LogonSession, error) {
	s := &emcdp.LogonSession{ID: id}
	var created, seen int64
	if err := row.Scan(&s.UserName, &s.UserKey, &created, &seen); err != nil {
		return nil, err
	}
	s.Created, s.LastSeen = fromNanos(created), fromNanos(seen)
	return s, nil
}

// TaskSessionWithLogon reads the logon session logon and the task session
// id in one round trip: both statements go out in one pipelined batch, which
// the server runs as one implicit transaction of two reads; at the default
// isolation (read committed) each statement takes its own snapshot as the
// two separate reads would, so a logoff or a write that committed before the
// batch was sent is seen.
func (db *DB) TaskSessionWithLogon(ctx context.Context, logon, id emcdp.ID) (*emcdp.LogonSession, *emcdp.TaskSession, error) {
	if err := db.check(); err != nil {
		return nil, nil, err
	}
	d := emcdp.CdpReplicaTaskSessionDesc
	var b pgx.Batch
	b.Queue(logonByHash, emcdp.LogonSessionKey(logon))
	b.Queue(byIDStmts[d.Kind], id[:])
	res := db.pool.SendBatch(ctx, &b)
	defer res.Close()
	ls, err := scanLogon(res.QueryRow(), logon)
	if err != nil {
		if err = notFound(err, "read logon session"); !errors.Is(err, emcdp.ErrNotFound) {
			return nil, nil, err
		}
		ls = nil
	}
	it := d.New()
	sr := sqlgen.GetScanRow(d)
	defer sr.Put(d)
	if err := res.QueryRow().Scan(sr.Into(it)...); err != nil {
		if err = notFound(err, "read "+d.Type); !errors.Is(err, emcdp.ErrNotFound) {
			return nil, nil, err
		}
		return ls, nil, nil
	}
	return ls, it.(*emcdp.TaskSession), nil
}

// touchLogon moves last_seen forward, writing nothing when it is already at
// or after now, and tells in the same statement whether the session exists
// (the outer SELECT sees the row as it was before the update).
const touchLogon = `WITH u AS (UPDATE logon_sessions SET last_seen = $2 WHERE id_hash = $1 AND last_seen < $2 RETURNING 1)
	SELECT EXISTS (SELECT 1 FROM logon_sessions WHERE id_hash = $1) OR EXISTS (SELECT 1 FROM u)`

// TouchLogonSession moves LastSeen forward to now; it never moves it back.
// A session that does not exist gives ErrNotFound.
func (db *DB) TouchLogonSession(ctx context.Context, id emcdp.ID, now time.Time) error {
	if err := db.check(); err != nil {
		return err
	}
	var found bool
	if err := db.pool.QueryRow(ctx, touchLogon, emcdp.LogonSessionKey(id), sqlgen.Nanos(now)).Scan(&found); err != nil {
		return mapErr(err, "touch logon session")
	}
	if !found {
		return emcdp.ErrNotFound
	}
	return nil
}

// deleteLogon removes a logon session, announces it on the change feed
// (feed.go) in the same statement, and so in the same transaction, and
// counts the rows removed.
const deleteLogon = `WITH d AS (DELETE FROM logon_sessions WHERE id_hash = $1 RETURNING 1)
	SELECT (SELECT count(*) FROM d) FROM pg_notify(` + feedChannel + `, '` + noteLogon + `' || encode($1, 'hex'))`

// DeleteLogonSession removes a logon session; ErrNotFound when there was none.
func (db *DB) DeleteLogonSession(ctx context.Context, id emcdp.ID) error {
	if err := db.check(); err != nil {
		return err
	}
	var n int64
	if err := db.pool.QueryRow(ctx, deleteLogon, emcdp.LogonSessionKey(id)).Scan(&n); err != nil {
		return mapErr(err, "delete logon session")
	}
	if n == 0 {
		return emcdp.ErrNotFound
	}
	return nil
}

// deleteLogonsBefore is deleteLogon for the sessions last seen before $1.
const deleteLogonsBefore = `WITH d AS (DELETE FROM logon_sessions WHERE last_seen < $1 RETURNING 1)
	SELECT (SELECT count(*) FROM d) FROM pg_notify(` + feedChannel + `, '` + noteLogonsBefore + `' || $1::bigint)`

// DeleteLogonSessionsBefore removes the sessions last seen before t and
// returns how many it removed.
func (db *DB) DeleteLogonSessionsBefore(ctx context.Context, t time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	var n int64
	if err := db.pool.QueryRow(ctx, deleteLogonsBefore, sqlgen.Nanos(t)).Scan(&n); err != nil {
		return 0, mapErr(err, "delete logon sessions")
	}
	return int(n), nil
}

// addFailure records a failure and counts the user's failures since a time in
// one statement. The outer SELECT does not see the row the CTE inserts, so
// that row is added to the count when it falls in the window.
const addFailure = `WITH ins AS (INSERT INTO logon_failures (user_key, at) VALUES ($1, $2) RETURNING at)
	SELECT (SELECT count(*) FROM logon_failures WHERE user_key = $1 AND at >= $3) + (SELECT count(*) FROM ins WHERE at >= $3)`

// failureLock is the first key of the advisory lock that serialises the
// failures of one user; the second is a hash of the user key.
const failureLock = 0x656d6366 // "emcf"

// AddLogonFailure records a failure of userKey at t and returns the number of
// its failures at or after since, this one included. The user's failures are
// serialised by an advisory lock, so that failures arriving at two replicas
// at once are counted one after the other and none is missed by a count.
func (db *DB) AddLogonFailure(ctx context.Context, userKey string, t, since time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	var n int64
	err := pgx.BeginTxFunc(ctx, db.pool, writeTx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", int32(failureLock), userKey); err != nil {
			return err
		}
		return tx.QueryRow(ctx, addFailure, userKey, sqlgen.Nanos(t), sqlgen.Nanos(since)).Scan(&n)
	})
	return int(n), mapErr(err, "record logon failure")
}

// LogonFailures counts the failures of userKey at or after since.
func (db *DB) LogonFailures(ctx context.Context, userKey string, since time.Time) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	var n int64
	err := db.pool.QueryRow(ctx, "SELECT count(*) FROM logon_failures WHERE user_key = $1 AND at >= $2", userKey, sqlgen.Nanos(since)).Scan(&n)
	return int(n), mapErr(err, "count logon failures")
}

// ClearLogonFailures forgets every failure of userKey; its open reservations
// stay, so that the checks still running are counted when they fail.
func (db *DB) ClearLogonFailures(ctx context.Context, userKey string) error {
	if err := db.check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, "DELETE FROM logon_failures WHERE user_key = $1 AND at >= 0", userKey)
	return mapErr(err, "clear logon failures")
}

// A reservation is a row of logon_failures whose at is the negated time at
// which it was taken (a failure's at is never negative), so that the
// reservations need no column of their own. A failure counts in a window
// when at >= since, a reservation when at <= -since.
const countReserved = `SELECT count(*), count(*) FILTER (WHERE at >= $2) FROM logon_failures
	WHERE user_key = $1 AND (at >= $2 OR at <= -$2)`

// ReserveLogonFailure counts userKey's failures and reservations since since
// and, when fewer than max, records a reservation at t. The count and the
// insert hold the user's advisory lock (the one AddLogonFailure takes), so
// that replicas reserving at once are counted one after the other.
func (db *DB) ReserveLogonFailure(ctx context.Context, userKey string, t, since time.Time, max int) (int, bool, error) {
	if err := db.check(); err != nil {
		return 0, false, err
	}
	var held, failures int64
	reserved := false
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", int32(failureLock), userKey); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, countReserved, userKey, sqlgen.Nanos(since)).Scan(&held, &failures); err != nil {
			return err
		}
		if held >= int64(max) {
			return nil
		}
		reserved = true
		_, err := tx.Exec(ctx, "INSERT INTO logon_failures (user_key, at) VALUES ($1, $2)", userKey, -sqlgen.Nanos(t))
		return err
	})
	if err != nil {
		return 0, false, mapErr(err, "reserve logon failure")
	}
	return int(failures), reserved, nil
}

// SettleLogonFailure turns one reservation of userKey at t into a failure at
// t, or removes it. Reservations with the same user and time are alike; the
// user's advisory lock keeps two settlements from picking the same one.
func (db *DB) SettleLogonFailure(ctx context.Context, userKey string, t time.Time, failed bool) error {
	if err := db.check(); err != nil {
		return err
	}
	q := sqlgen.SettleLogonFailure(failed)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", int32(failureLock), userKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, q+" WHERE ctid = (SELECT ctid FROM logon_failures WHERE user_key = $1 AND at = $2 LIMIT 1)",
			userKey, -sqlgen.Nanos(t))
		return err
	})
	return mapErr(err, "settle logon failure")
}

// pruneFailures deletes the failures and reservations (negative at) before
// $1, then all but the newest $2.
const pruneFailures = `DELETE FROM logon_failures WHERE at BETWEEN 0 AND $1::bigint - 1 OR at BETWEEN 1 - $1::bigint AND -1 OR ctid IN
	(SELECT ctid FROM logon_failures ORDER BY abs(at) DESC OFFSET $2)`

// PruneLogonFailures removes the failures and reservations recorded before t
// and then, while more than keep are left, the oldest of them; it returns how
// many it removed.
func (db *DB) PruneLogonFailures(ctx context.Context, before time.Time, keep int) (int, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	tag, err := db.pool.Exec(ctx, pruneFailures, sqlgen.Nanos(before), int64(max(keep, 0)))
	if err != nil {
		return 0, mapErr(err, "prune logon failures")
	}
	return int(tag.RowsAffected()), nil
}
