package sqlite

import (
	"context"
	"database/sql"

	"github.com/emcdp/emcdp"
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

// CdpPolicy reads one policy by id with its Includes, in one read transaction.
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
	err := db.r.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, mapErr(err, "read meta")
}
