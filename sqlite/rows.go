package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// The column lists that every read of a table selects, in scan order.
const (
	policyCols  = sqlgen.PolicyCols
	objectCols  = sqlgen.ObjectCols
	objectOrder = "name, id" // includes: by name (case-insensitive column) then id
)

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// idScan reads a BLOB(16) column into an emcdp.ID.
type idScan struct{ id *emcdp.ID }

func (s idScan) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok || len(b) != len(s.id) {
		return fmt.Errorf("id column holds %T of length %d", v, len(b))
	}
	copy(s.id[:], b)
	return nil
}

// nullStr maps NULL to "" (absent optional string) and back.
type nullStr struct{ s *string }

func (n nullStr) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.s = ""
	case string:
		*n.s = v
	case []byte:
		*n.s = string(v)
	default:
		return fmt.Errorf("text column holds %T", v)
	}
	return nil
}

// nullTime maps NULL to the zero time (absent) and int64 ns to a UTC time.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n.t = time.Time{}
	case int64:
		*n.t = time.Unix(0, v).UTC()
	default:
		return fmt.Errorf("time column holds %T", v)
	}
	return nil
}

// optStr binds "" as NULL.
func optStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// optTime binds the zero time as NULL.
func optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return sqlgen.Nanos(t)
}

func scanPolicy(r scanner, v *emcdp.CdpPolicy) error {
	var opts, guest string
	if err := r.Scan(idScan{&v.ID}, &v.Name, idScan{&v.BackupServerID}, &v.BackupServerName, &v.Platform,
		nullStr{&v.Description}, &v.ScheduleConfigured, &v.ScheduleEnabled, nullTime{&v.NextRun}, &opts, &guest); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(opts), &v.Options); err != nil {
		return fmt.Errorf("schedule options of policy %s: %w", v.ID, err)
	}
	if err := json.Unmarshal([]byte(guest), &v.Guest); err != nil {
		return fmt.Errorf("guest options of policy %s: %w", v.ID, err)
	}
	return nil
}

func scanObject(r scanner, v *emcdp.ObjectInJob) error {
	var guest string
	if err := r.Scan(idScan{&v.PolicyID}, idScan{&v.ID}, &v.HierarchyObjRef, &v.Name, &v.DisplayName, &guest, &v.TotalSize); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(guest), &v.Guest); err != nil {
		return fmt.Errorf("guest options of object %s: %w", v.ID, err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into emcdp.ErrNotFound.
func notFound(err error, op string) error {
	if err == sql.ErrNoRows {
		return emcdp.ErrNotFound
	}
	return mapErr(err, op)
}
