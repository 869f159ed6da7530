package postgres

import (
	"context"
	"errors"

	"github.com/emcdp/emcdp"
	"github.com/jackc/pgx/v5"
)

// BackupServer reads one backup server by id.
func (db *DB) BackupServer(ctx context.Context, id emcdp.ID) (*emcdp.BackupServer, error) {
	return read[emcdp.BackupServer](ctx, db, emcdp.BackupServerDesc, id)
}

// read reads one item of d, a CDP kind, by id.
func read[T any](ctx context.Context, db *DB, d *emcdp.Desc, id emcdp.ID) (*T, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	v, err := db.byID(ctx, d, id)
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

// CdpPolicy reads one policy by id with its Includes, in one read-only
// repeatable-read transaction, so that policy and includes agree.
func (db *DB) CdpPolicy(ctx context.Context, id emcdp.ID) (*emcdp.CdpPolicy, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	v, err := db.withIncludes(ctx, emcdp.CdpPolicyDesc, id)
	if err != nil {
		return nil, err
	}
	return v.(*emcdp.CdpPolicy), nil
}

// readTx is the mode of reads that take more than one statement: a
// consistent snapshot, read-only.
var readTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// writeTx is the mode of every transaction that writes. Several of them
// take an advisory lock and then read what the lock's previous holder
// wrote (the migrations applied, the columns added, a user's failed logons,
// an owner's tasks, the writes to one object): that needs a snapshot per
// statement, which only read committed gives. It is named rather than left
// to the server's default, which may be repeatable read.
var writeTx = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// PolicySession reads one policy session by id.
func (db *DB) PolicySession(ctx context.Context, id emcdp.ID) (*emcdp.PolicySession, error) {
	return read[emcdp.PolicySession](ctx, db, emcdp.CdpReplicaSessionDesc, id)
}

// TaskSession reads one task session by id.
func (db *DB) TaskSession(ctx context.Context, id emcdp.ID) (*emcdp.TaskSession, error) {
	return read[emcdp.TaskSession](ctx, db, emcdp.CdpReplicaTaskSessionDesc, id)
}

// Meta returns the value of a meta key, or "" when it is unset.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	if err := db.check(); err != nil {
		return "", err
	}
	var v string
	err := db.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, mapErr(err, "read meta")
}

// notFound turns pgx.ErrNoRows into emcdp.ErrNotFound.
func notFound(err error, op string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return emcdp.ErrNotFound
	}
	return mapErr(err, op)
}
