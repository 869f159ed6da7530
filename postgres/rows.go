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
	serverCols = sqlgen.ServerCols
	policyCols = sqlgen.PolicyCols
	objectCols = sqlgen.ObjectCols
	psCols     = sqlgen.PolicySessionCols
	tsCols     = sqlgen.TaskSessionCols
	// objectOrder orders a policy's includes: by name compared
	// case-insensitively, then id.
	objectOrder = `lower(name COLLATE "C"), id`
)

// Column names of the COPY inserts.
var (
	psColumns = []string{"id", "name", "policy_id", "policy_name", "backup_server_id", "backup_server_name",
		"creation_time", "end_time", "state", "result", "progress", "failure_message", "is_retry"}
	tsColumns = []string{"id", "name", "policy_session_id", "policy_session_name", "policy_id", "backup_server_id",
		"backup_server_name", "vm_display_name", "creation_time", "end_time", "state", "result", "reason", "total_size"}
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

func scanServer(r pgx.Row, v *emcdp.BackupServer) error {
	var desc pgtype.Text
	var port, wcf int64
	if err := r.Scan(uid(&v.ID), &v.Name, &desc, &port, &v.Version, &wcf, &v.VbrCertificateThumbprint); err != nil {
		return err
	}
	v.Description, v.Port, v.WcfPort = desc.String, int(port), int(wcf)
	return nil
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

func scanPolicySession(r pgx.Row, v *emcdp.PolicySession) error {
	var created int64
	var end pgtype.Int8
	var state, result int16
	var progress int32
	var msg pgtype.Text
	if err := r.Scan(uid(&v.ID), &v.Name, uid(&v.PolicyID), &v.PolicyName, uid(&v.BackupServerID),
		&v.BackupServerName, &created, &end, &state, &result, &progress, &msg, &v.IsRetry); err != nil {
		return err
	}
	v.CreationTime, v.EndTime = fromNanos(created), timeOf(end)
	v.State, v.Result, v.Progress, v.FailureMessage = emcdp.SessionState(state), emcdp.Result(result), int(progress), msg.String
	return nil
}

func scanTaskSession(r pgx.Row, v *emcdp.TaskSession) error {
	var created int64
	var end pgtype.Int8
	var state, result int16
	var reason pgtype.Text
	if err := r.Scan(uid(&v.ID), &v.Name, uid(&v.PolicySessionID), &v.PolicySessionName, uid(&v.PolicyID),
		uid(&v.BackupServerID), &v.BackupServerName, &v.VmDisplayName, &created, &end,
		&state, &result, &reason, &v.TotalSize); err != nil {
		return err
	}
	v.CreationTime, v.EndTime = fromNanos(created), timeOf(end)
	v.State, v.Result, v.Reason = emcdp.TaskState(state), emcdp.Result(result), reason.String
	return nil
}

// psRow is the COPY row of a policy session, in psColumns order.
func psRow(v *emcdp.PolicySession) []any {
	return []any{uid(&v.ID), v.Name, uid(&v.PolicyID), v.PolicyName, uid(&v.BackupServerID), v.BackupServerName,
		sqlgen.Nanos(v.CreationTime), optTime(v.EndTime), int16(v.State), int16(v.Result), int32(v.Progress),
		optStr(v.FailureMessage), v.IsRetry}
}

// tsRow is the COPY row of a task session, in tsColumns order.
func tsRow(v *emcdp.TaskSession) []any {
	return []any{uid(&v.ID), v.Name, uid(&v.PolicySessionID), v.PolicySessionName, uid(&v.PolicyID),
		uid(&v.BackupServerID), v.BackupServerName, v.VmDisplayName, sqlgen.Nanos(v.CreationTime), optTime(v.EndTime),
		int16(v.State), int16(v.Result), optStr(v.Reason), v.TotalSize}
}
