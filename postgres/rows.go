package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The column lists that every read of a table selects, in scan order; they
// are also the column orders of the COPY inserts.
const (
	policyCols = sqlgen.PolicyCols
	objectCols = sqlgen.ObjectCols
	// objectOrder orders a policy's includes: by name compared
	// case-insensitively, then id.
	objectOrder = `lower(name COLLATE "C"), id`
)

// uid lets pgx read and write an emcdp.ID as a uuid.
func uid(id *emcdp.ID) *[16]byte { return (*[16]byte)(id) }

// optStr binds "" as NULL.
func optStr(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

// optTime binds the zero time as NULL.
func optTime(t time.Time) pgtype.Int8 {
	if t.IsZero() {
		return pgtype.Int8{}
	}
	return pgtype.Int8{Int64: sqlgen.Nanos(t), Valid: true}
}

// timeOf reads an optional time column: NULL is the zero time.
func timeOf(v pgtype.Int8) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromNanos(v.Int64)
}

func scanPolicy(r pgx.Row, v *emcdp.CdpPolicy) error {
	var desc, opts, guest pgtype.Text
	var next pgtype.Int8
	if err := r.Scan(uid(&v.ID), &v.Name, uid(&v.BackupServerID), &v.BackupServerName, &v.Platform,
		&desc, &v.ScheduleConfigured, &v.ScheduleEnabled, &next, &opts, &guest); err != nil {
		return err
	}
	v.Description, v.NextRun = desc.String, timeOf(next)
	if err := json.Unmarshal([]byte(opts.String), &v.Options); err != nil {
		return fmt.Errorf("schedule options of policy %s: %w", v.ID, err)
	}
	if err := json.Unmarshal([]byte(guest.String), &v.Guest); err != nil {
		return fmt.Errorf("guest options of policy %s: %w", v.ID, err)
	}
	return nil
}

func scanObject(r pgx.Row, v *emcdp.ObjectInJob) error {
	var guest string
	if err := r.Scan(uid(&v.PolicyID), uid(&v.ID), &v.HierarchyObjRef, &v.Name, &v.DisplayName, &guest, &v.TotalSize); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(guest), &v.Guest); err != nil {
		return fmt.Errorf("guest options of object %s: %w", v.ID, err)
	}
	return nil
}
