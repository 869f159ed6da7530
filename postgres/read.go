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
	tx, err := db.pool.BeginTx(ctx, readTx)
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	v := new(emcdp.CdpPolicy)
	if err := scanPolicy(tx.QueryRow(ctx, "SELECT "+policyCols+" FROM cdp_policies WHERE id = $1", uid(&id)), v); err != nil {
		return nil, notFound(err, "read policy")
	}
	if err := loadIncludes(ctx, tx, []*emcdp.CdpPolicy{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// readTx is the mode of reads that take more than one statement: a
// consistent snapshot, read-only.
var readTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// loadIncludes fills the Includes of the given policies with one query.
func loadIncludes(ctx context.Context, tx pgx.Tx, ps []*emcdp.CdpPolicy) error {
	byID := make(map[emcdp.ID]*emcdp.CdpPolicy, len(ps))
	ids := make([][16]byte, len(ps))
	for i, p := range ps {
		byID[p.ID] = p
		ids[i] = p.ID
		p.Includes = nil
	}
	rows, err := tx.Query(ctx, "SELECT "+objectCols+" FROM policy_objects WHERE policy_id = ANY($1) ORDER BY "+objectOrder, ids)
	if err != nil {
		return mapErr(err, "read policy includes")
	}
	defer rows.Close()
	for rows.Next() {
		var o emcdp.ObjectInJob
		if err := scanObject(rows, &o); err != nil {
			return mapErr(err, "read policy includes")
		}
		p := byID[o.PolicyID]
		p.Includes = append(p.Includes, o)
	}
	return mapErr(rows.Err(), "read policy includes")
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
