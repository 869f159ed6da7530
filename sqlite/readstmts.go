package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// readStmts are the reads by key that every request makes (the logon
// session, then the resource), prepared once on the reader pool.
// database/sql prepares each again on a pooled connection the first time it
// runs there and keeps it, so a hot read parses no SQL.
type readStmts struct {
	logon, user *sql.Stmt
	byID        map[emcdp.Kind]*sql.Stmt // described kinds
	related     map[emcdp.Kind]*sql.Stmt // their related rows (Desc.Related), by one owner id
	all         []*sql.Stmt
}

func prepareReadStmts(ctx context.Context, r *sql.DB) (*readStmts, error) {
	s := &readStmts{byID: map[emcdp.Kind]*sql.Stmt{}, related: map[emcdp.Kind]*sql.Stmt{}}
	type job struct {
		dst **sql.Stmt
		q   string
	}
	jobs := []job{
		{&s.logon, "SELECT " + logonCols + " FROM logon_sessions WHERE id_hash = ?"},
		{&s.user, "SELECT name, password_hash, role, created FROM users WHERE name = ?"},
	}
	for _, j := range jobs {
		st, err := r.PrepareContext(ctx, j.q)
		if err != nil {
			s.close()
			return nil, mapErr(err, "prepare")
		}
		*j.dst = st
		s.all = append(s.all, st)
	}
	for _, d := range emcdp.AllDescs {
		st, err := r.PrepareContext(ctx, "SELECT "+sqlgen.DescCols(d)+" FROM "+d.Table+" WHERE id = ?")
		if err != nil {
			s.close()
			return nil, mapErr(err, "prepare")
		}
		s.byID[d.Kind] = st
		s.all = append(s.all, st)
		if d.Related == nil {
			continue
		}
		if st, err = r.PrepareContext(ctx, relatedStmt(d.Related, 1)); err != nil {
			s.close()
			return nil, mapErr(err, "prepare")
		}
		s.related[d.Kind] = st
		s.all = append(s.all, st)
	}
	return s, nil
}

func (s *readStmts) close() error {
	var errs []error
	for _, st := range s.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
