package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sqlgen"
)

// TestMigratedTablesMatchDescriptions checks that the tables made by the
// numbered migrations have exactly the columns of the descriptions that
// name them once the store is open: a description that misnamed a migrated
// column would leave that column undescribed.
func TestMigratedTablesMatchDescriptions(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, d := range emcdp.AllDescs {
		if !d.Migrated {
			continue
		}
		rows, err := db.r.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", d.Table)
		if err != nil {
			t.Fatal(err)
		}
		var have []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			have = append(have, n)
		}
		rows.Close()
		want := strings.Split(sqlgen.DescCols(d), ", ")
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("%s: table %s has columns %v, the description %v", d.Type, d.Table, have, want)
		}
	}
}

// TestMigratedColumnAdded checks that a property described after its
// migrated table was made gets its column when the store opens, as those of
// the other described kinds do: the column is dropped, and reopening adds
// it back and serves it.
func TestMigratedColumnAdded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.Exec("ALTER TABLE backup_servers DROP COLUMN vbr_certificate_thumbprint"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01", Port: 9392, Version: "12.3", WcfPort: 9405, VbrCertificateThumbprint: "AB"}
	if err := db.Apply(ctx, &emcdp.Batch{BackupServers: []emcdp.BackupServer{srv}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.BackupServer(ctx, srv.ID); err != nil || *got != srv {
		t.Fatalf("after the column was added: %+v, %v", got, err)
	}
}

// TestRowsOfMigratedSchema checks that rows written to the CDP tables as
// their migrations define them (absent values NULL, times in nanoseconds,
// enums by position, options as JSON text, a policy's includes in
// policy_objects) read back through the descriptions unchanged.
func TestRowsOfMigratedSchema(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	created := time.Date(2026, 3, 1, 10, 0, 0, 123456700, time.UTC)
	srv := emcdp.BackupServer{ID: emcdp.NewID(), Name: "vbr01", Port: 9392, Version: "12.3", WcfPort: 9405, VbrCertificateThumbprint: "AB"}
	ps := emcdp.PolicySession{ID: emcdp.NewID(), Name: "p@2026-03-01 10:00:00", PolicyID: emcdp.NewID(), PolicyName: "p",
		BackupServerID: srv.ID, BackupServerName: srv.Name, CreationTime: created, State: emcdp.SessionWorking, Progress: 40, IsRetry: true}
	ts := emcdp.TaskSession{ID: emcdp.NewID(), Name: "vm1", PolicySessionID: ps.ID, PolicySessionName: ps.Name, PolicyID: ps.PolicyID,
		BackupServerID: srv.ID, BackupServerName: srv.Name, VmDisplayName: "vm1", CreationTime: created,
		EndTime: created.Add(time.Hour), State: emcdp.TaskCompleted, Result: emcdp.ResultWarning, TotalSize: 7}
	pol := emcdp.CdpPolicy{ID: ps.PolicyID, Name: "p", BackupServerID: srv.ID, BackupServerName: srv.Name, Platform: "VMware",
		ScheduleConfigured: true, Options: emcdp.CdpScheduleOptions{RPOSeconds: 15, LongTermRetHours: 8},
		Guest:    emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"},
		Includes: []emcdp.ObjectInJob{{ID: emcdp.NewID(), PolicyID: ps.PolicyID, HierarchyObjRef: "urn:VMware:Vm:x.vm-1", Name: "vm1", DisplayName: "vm1", TotalSize: 9}}}
	pol.Options.RPOSchedule[2][5] = 1
	opts, _ := json.Marshal(pol.Options)
	guest, _ := json.Marshal(pol.Guest)
	o := &pol.Includes[0]
	stmts := []struct {
		q    string
		args []any
	}{
		{"INSERT INTO cdp_policies (id, name, backup_server_id, backup_server_name, platform, description, schedule_configured, schedule_enabled, next_run, schedule_options, guest_options) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)",
			[]any{pol.ID[:], pol.Name, srv.ID[:], srv.Name, pol.Platform, pol.ScheduleConfigured, pol.ScheduleEnabled, string(opts), string(guest)}},
		{"INSERT INTO policy_objects (policy_id, id, hierarchy_obj_ref, name, display_name, guest_options, total_size) VALUES (?, ?, ?, ?, ?, ?, ?)",
			[]any{pol.ID[:], o.ID[:], o.HierarchyObjRef, o.Name, o.DisplayName, `{"VssSnapshotMode":"","IsCopyOnly":false,"WindowsCredentialsID":"","LinuxCredentialsID":""}`, o.TotalSize}},
		{"INSERT INTO backup_servers (id, name, description, port, version, wcf_port, vbr_certificate_thumbprint) VALUES (?, ?, NULL, ?, ?, ?, ?)",
			[]any{srv.ID[:], srv.Name, srv.Port, srv.Version, srv.WcfPort, srv.VbrCertificateThumbprint}},
		{"INSERT INTO policy_sessions (id, name, policy_id, policy_name, backup_server_id, backup_server_name, creation_time, end_time, state, result, progress, failure_message, is_retry) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?)",
			[]any{ps.ID[:], ps.Name, ps.PolicyID[:], ps.PolicyName, srv.ID[:], srv.Name, created.UnixNano(), int(ps.State), int(ps.Result), ps.Progress, ps.IsRetry}},
		{"INSERT INTO task_sessions (id, name, policy_session_id, policy_session_name, policy_id, backup_server_id, backup_server_name, vm_display_name, creation_time, end_time, state, result, reason, total_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
			[]any{ts.ID[:], ts.Name, ps.ID[:], ps.Name, ps.PolicyID[:], srv.ID[:], srv.Name, ts.VmDisplayName, created.UnixNano(), ts.EndTime.UnixNano(), int(ts.State), int(ts.Result), ts.TotalSize}},
	}
	for _, s := range stmts {
		if _, err := db.w.ExecContext(ctx, s.q, s.args...); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.BackupServer(ctx, srv.ID); err != nil || *got != srv {
		t.Errorf("backup server: %+v, %v\nwant %+v", got, err, srv)
	}
	if got, err := db.PolicySession(ctx, ps.ID); err != nil || *got != ps {
		t.Errorf("policy session: %+v, %v\nwant %+v", got, err, ps)
	}
	if got, err := db.TaskSession(ctx, ts.ID); err != nil || *got != ts {
		t.Errorf("task session: %+v, %v\nwant %+v", got, err, ts)
	}
	if got, err := db.CdpPolicy(ctx, pol.ID); err != nil || !reflect.DeepEqual(*got, pol) {
		t.Errorf("policy: %+v, %v\nwant %+v", got, err, pol)
	}
	// A policy written through the store keeps its includes in the
	// migrated policy_objects table, not in the one of the jobs.
	pol.Includes = append(pol.Includes, emcdp.ObjectInJob{ID: emcdp.NewID(), PolicyID: pol.ID, Name: "vm2"})
	if err := db.Apply(ctx, &emcdp.Batch{CdpPolicies: []emcdp.CdpPolicy{pol}}); err != nil {
		t.Fatal(err)
	}
	for tbl, want := range map[string]int{"policy_objects": 2, sqlgen.ObjectsTable: 0} {
		var n int
		if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil || n != want {
			t.Errorf("%s holds %d rows (%v), want %d", tbl, n, err, want)
		}
	}
}
