package sqlite

import (
	"context"
	"database/sql"
	"strings"

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
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "begin read")
	}
	defer tx.Rollback()
	v := new(emcdp.CdpPolicy)
	if err := scanPolicy(tx.QueryRowContext(ctx, "SELECT "+policyCols+" FROM cdp_policies WHERE id = ?", id[:]), v); err != nil {
		return nil, notFound(err, "read policy")
	}
	if err := loadIncludes(ctx, tx, []*emcdp.CdpPolicy{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// loadIncludes fills the Includes of the given policies with one query per
// chunk of policies.
func loadIncludes(ctx context.Context, tx *sql.Tx, ps []*emcdp.CdpPolicy) error {
	const chunk = 500
	for len(ps) > 0 {
		part := ps[:min(chunk, len(ps))]
		ps = ps[len(part):]
		byID := make(map[emcdp.ID]*emcdp.CdpPolicy, len(part))
		args := make([]any, len(part))
		for i, p := range part {
			byID[p.ID] = p
			args[i] = p.ID[:]
			p.Includes = nil
		}
		q := "SELECT " + objectCols + " FROM policy_objects WHERE policy_id IN (?" +
			strings.Repeat(", ?", len(part)-1) + ") ORDER BY " + objectOrder
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return mapErr(err, "read policy includes")
		}
		for rows.Next() {
			var o emcdp.ObjectInJob
			if err := scanObject(rows, &o); err != nil {
				rows.Close()
				return mapErr(err, "read policy includes")
			}
			p := byID[o.PolicyID]
			p.Includes = append(p.Includes, o)
		}
		if err := rows.Close(); err != nil {
			return mapErr(err, "read policy includes")
		}
		if err := rows.Err(); err != nil {
			return mapErr(err, "read policy includes")
		}
	}
	return nil
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
