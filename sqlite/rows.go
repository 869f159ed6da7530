package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// The column lists that every read of a table selects, in scan order.
const (
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
