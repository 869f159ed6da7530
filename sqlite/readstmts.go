package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// readStmts are the reads by key that every request makes (the logon
// session, then the resource), prepared once on the reader pool.
// database/sql prepares each again on a pooled connection the first time it
// runs there and keeps it, so a hot read parses no SQL.
type readStmts struct {
	server, policySession, taskSession, logon, user *sql.Stmt
	all                                             []*sql.Stmt
}

func prepareReadStmts(ctx context.Context, r *sql.DB) (*readStmts, error) {
	s := &readStmts{}
	for _, j := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.server, "SELECT " + serverCols + " FROM backup_servers WHERE id = ?"},
		{&s.policySession, "SELECT " + psCols + " FROM policy_sessions WHERE id = ?"},
		{&s.taskSession, "SELECT " + tsCols + " FROM task_sessions WHERE id = ?"},
		{&s.logon, "SELECT " + logonCols + " FROM logon_sessions WHERE id_hash = ?"},
		{&s.user, "SELECT name, password_hash, role, created FROM users WHERE name = ?"},
	} {
		st, err := r.PrepareContext(ctx, j.q)
		if err != nil {
			s.close()
			return nil, mapErr(err, "prepare")
		}
		*j.dst = st
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
