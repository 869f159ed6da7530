package sqlite

import (
	"context"
	"time"

	"github.com/emcdp/emcdp"
)

// Users returns every user, by name. The embedded store offers it so that a
// database started afresh (emcdp seed --force) keeps the users of the one it
// replaces.
func (db *DB) Users(ctx context.Context) ([]emcdp.User, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, "SELECT name, password_hash, role, created FROM users ORDER BY name")
	if err != nil {
		return nil, mapErr(err, "list users")
	}
	defer rows.Close()
	var out []emcdp.User
	for rows.Next() {
		var u emcdp.User
		var role string
		var created int64
		if err := rows.Scan(&u.Name, &u.PasswordHash, &role, &created); err != nil {
			return nil, mapErr(err, "list users")
		}
		u.Role, u.Created = emcdp.Role(role), time.Unix(0, created).UTC()
		out = append(out, u)
	}
	return out, mapErr(rows.Err(), "list users")
}
