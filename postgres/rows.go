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
	objectCols = sqlgen.ObjectCols
	// objectOrder orders the includes: by name compared
	// case-insensitively, then id.
	objectOrder = `lower(name COLLATE "C"), id`
)

// uid lets pgx read and write an emcdp.ID as a uuid.
func uid(id *emcdp.ID) *[16]byte { return (*[16]byte)(id) }

// timeOf reads an optional time column: NULL is the zero time.
func timeOf(v pgtype.Int8) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromNanos(v.Int64)
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
