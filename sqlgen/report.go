package sqlgen

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// This file holds the SQL of the summary reports (monitoring.md §7) for both
// stores: the tables that keep the per-VM and per-repository figures, the
// triggers that keep them as task sessions, VM restore points and backup
// files are written (in the writer's transaction, so every process sharing
// the store sees them), their rebuild from the rows when a store first gets
// them, and the reads of one report.
//
//   - report_vm_latest: per VM, the end time and result of its latest
//     finished run task (the overview's VM states);
//   - report_vm_days: the VMs a run task processed with Success or Warning,
//     per UTC day (end time) and backup/replica (processed_vms);
//   - report_vm_points: per VM, its kept VM restore points and its size, the
//     TotalSize of the task of its newest point (vms_overview);
//   - report_backup_sizes: per backup, Σ BackupSize of its full (vbk) and
//     incremental (vib, vrb) files (vms_overview, repository).
//
// No figure is kept in a row that many rows of one batch update: on
// PostgreSQL every update of a row in one transaction adds a version that the
// next update walks past, so a per-repository or per-day counter written by a
// batch of thousands of rows grows quadratic. Sizes are kept per backup and
// summed per repository when read; processed VMs are counted when read.
//
// A VM is named by its display name, as tasks and points carry it. A task
// of an agent or NAS job is not a run task (emcdp.JobType.IsRunType). Task
// sessions leave the store oldest first (DeleteSessionsBefore), so when one
// goes, every day and every latest end before its creation went with it.

// ReportTables are the names of the report tables, emptied by Clear.
var ReportTables = []string{"report_vm_latest", "report_vm_days", "report_vm_points", "report_backup_sizes"}

// dayNanos is one day in the unit of the time columns.
const dayNanos = int64(24 * time.Hour)

// reportSchema returns the tables and indexes of the reports.
func reportTables(dl *Dialect) []string {
	text, id, big := "TEXT", "BLOB", "INTEGER"
	if dl.Name == Postgres.Name {
		text, id, big = "text", "uuid", "bigint"
	}
	return []string{
		"CREATE TABLE IF NOT EXISTS report_vm_latest (vm " + text + " PRIMARY KEY, end_time " + big + " NOT NULL, result " + big + " NOT NULL)",
		"CREATE INDEX IF NOT EXISTS report_vm_latest_end ON report_vm_latest (end_time)",
		"CREATE TABLE IF NOT EXISTS report_vm_days (day " + big + " NOT NULL, replica " + big + " NOT NULL, vm " + text + " NOT NULL, PRIMARY KEY (day, replica, vm))",
		"CREATE TABLE IF NOT EXISTS report_vm_points (vm " + text + " PRIMARY KEY, points " + big + " NOT NULL, size " + big + " NOT NULL, size_time " + big + " NOT NULL)",
		"CREATE TABLE IF NOT EXISTS report_backup_sizes (backup_id " + id + " PRIMARY KEY, full_size " + big + " NOT NULL, incr_size " + big + " NOT NULL)",
		// The runs and tasks that ended in the period, the running runs.
		"CREATE INDEX IF NOT EXISTS backup_job_sessions_report ON backup_job_sessions (end_time, job_type)",
		"CREATE INDEX IF NOT EXISTS replica_job_sessions_report ON replica_job_sessions (end_time)",
		"CREATE INDEX IF NOT EXISTS backup_task_sessions_report ON backup_task_sessions (end_time, job_type, result)",
	}
}

// The trigger bodies, shared by both dialects: NEW and OLD are the row, and
// each {…} is replaced per table (see reportTriggers).
const (
	// {replica} 0 or 1; run in a task row's trigger when it has ended.
	latestUpsert = `INSERT INTO report_vm_latest (vm, end_time, result) VALUES (NEW.vm_display_name, NEW.end_time, NEW.result)
		ON CONFLICT (vm) DO UPDATE SET end_time = excluded.end_time, result = excluded.result
		WHERE excluded.end_time >= report_vm_latest.end_time`
	dayInsert = `INSERT INTO report_vm_days (day, replica, vm)
		SELECT NEW.end_time / {day}, {replica}, NEW.vm_display_name WHERE NEW.result IN ({success}, {warning})
		ON CONFLICT DO NOTHING`
	taskGone = `DELETE FROM report_vm_days WHERE day < OLD.creation_time / {day};
		DELETE FROM report_vm_latest WHERE end_time < OLD.creation_time`
	pointAdd = `INSERT INTO report_vm_points (vm, points, size, size_time)
		SELECT NEW.vm_display_name, 1, COALESCE((SELECT total_size FROM backup_task_sessions WHERE id = NEW.task_session_id), 0), NEW.creation_time
		WHERE NEW.vm_display_name IS NOT NULL
		ON CONFLICT (vm) DO UPDATE SET points = report_vm_points.points + 1,
			size = CASE WHEN excluded.size_time >= report_vm_points.size_time THEN excluded.size ELSE report_vm_points.size END,
			size_time = CASE WHEN excluded.size_time >= report_vm_points.size_time THEN excluded.size_time ELSE report_vm_points.size_time END`
	pointSub = `UPDATE report_vm_points SET points = points - 1 WHERE vm = OLD.vm_display_name;
		DELETE FROM report_vm_points WHERE vm = OLD.vm_display_name AND points <= 0`
	fileAdd = `INSERT INTO report_backup_sizes (backup_id, full_size, incr_size)
		VALUES (NEW.backup_id, CASE WHEN NEW.file_type = 'vbk' THEN NEW.backup_size ELSE 0 END,
			CASE WHEN NEW.file_type = 'vbk' THEN 0 ELSE NEW.backup_size END)
		ON CONFLICT (backup_id) DO UPDATE SET full_size = report_backup_sizes.full_size + excluded.full_size,
			incr_size = report_backup_sizes.incr_size + excluded.incr_size`
	fileSub = `UPDATE report_backup_sizes SET
			full_size = full_size - CASE WHEN OLD.file_type = 'vbk' THEN OLD.backup_size ELSE 0 END,
			incr_size = incr_size - CASE WHEN OLD.file_type = 'vbk' THEN 0 ELSE OLD.backup_size END
		WHERE backup_id = OLD.backup_id`
)

// reportTrigger is one trigger: its name, table, event, the condition on
// the row (SQLite) or its transition tables (PostgreSQL), and the
// statements it runs.
type reportTrigger struct {
	name, table, event, when string
	body                     []string
	stmt                     bool // PostgreSQL: once per statement, when names its transition table
}

func reportTriggers() []reportTrigger {
	runTask := fmt.Sprintf("NEW.end_time IS NOT NULL AND NEW.job_type <= %d", emcdp.JobImmediateBackupCopy)
	backup := []string{latestUpsert, strings.ReplaceAll(dayInsert, "{replica}", "0")}
	replica := []string{latestUpsert, strings.ReplaceAll(dayInsert, "{replica}", "1")}
	return []reportTrigger{
		{"report_backup_task_ins", "backup_task_sessions", "INSERT", runTask, backup, false},
		{"report_backup_task_upd", "backup_task_sessions", "UPDATE OF end_time, result", runTask, backup, false},
		{"report_backup_task_del", "backup_task_sessions", "DELETE", "", []string{taskGone}, false},
		{"report_replica_task_ins", "replica_task_sessions", "INSERT", "NEW.end_time IS NOT NULL", replica, false},
		{"report_replica_task_upd", "replica_task_sessions", "UPDATE OF end_time, result", "NEW.end_time IS NOT NULL", replica, false},
		{"report_replica_task_del", "replica_task_sessions", "DELETE", "", []string{taskGone}, false},
		{"report_point_ins", "vm_restore_points", "INSERT", "", []string{pointAdd}, false},
		{"report_point_del", "vm_restore_points", "DELETE", "", []string{pointSub}, false},
		{"report_file_ins", "backup_files", "INSERT", "", []string{fileAdd}, false},
		{"report_file_upd", "backup_files", "UPDATE OF backup_size, file_type, backup_id", "", []string{fileSub, fileAdd}, false},
		{"report_file_del", "backup_files", "DELETE", "", []string{fileSub}, false},
	}
}

// fill replaces the constants of a trigger body.
func fill(s string) string {
	return strings.NewReplacer("{day}", fmt.Sprint(dayNanos), "{success}", fmt.Sprint(int(emcdp.ResultSuccess)),
		"{warning}", fmt.Sprint(int(emcdp.ResultWarning))).Replace(s)
}

// Set-based trigger bodies of PostgreSQL, run once per statement over its
// transition tables (new_rows, old_rows): a COPY of thousands of task
// sessions, or the removal of the sessions of a day, runs each once rather
// than once per row. Rows written one statement each (points, files, the
// update of a task) keep the row triggers, which a WHEN clause skips
// without calling a function.
const (
	pgLatest = `INSERT INTO report_vm_latest (vm, end_time, result)
		SELECT DISTINCT ON (vm_display_name) vm_display_name, end_time, result FROM new_rows WHERE {cond}
		ORDER BY vm_display_name, end_time DESC
		ON CONFLICT (vm) DO UPDATE SET end_time = excluded.end_time, result = excluded.result
		WHERE excluded.end_time >= report_vm_latest.end_time`
	pgDays = `INSERT INTO report_vm_days (day, replica, vm)
		SELECT DISTINCT end_time / {day}, {replica}, vm_display_name FROM new_rows
		WHERE {cond} AND result IN ({success}, {warning})
		ON CONFLICT DO NOTHING`
	pgTaskGone = `DELETE FROM report_vm_days WHERE day < (SELECT min(creation_time) FROM old_rows) / {day};
		DELETE FROM report_vm_latest WHERE end_time < (SELECT min(creation_time) FROM old_rows)`
)

// pgReportTriggers are the triggers of PostgreSQL: the same as
// reportTriggers, but statement-level (stmt) for the inserts and deletes of
// task sessions.
func pgReportTriggers() []reportTrigger {
	task := func(replica, cond string) []string {
		r := strings.NewReplacer("{cond}", cond, "{replica}", replica)
		return []string{r.Replace(pgLatest), r.Replace(pgDays)}
	}
	stmt := map[string][]string{
		"report_backup_task_ins":  task("0", fmt.Sprintf("end_time IS NOT NULL AND job_type <= %d", emcdp.JobImmediateBackupCopy)),
		"report_replica_task_ins": task("1", "end_time IS NOT NULL"),
		"report_backup_task_del":  {pgTaskGone},
		"report_replica_task_del": {pgTaskGone},
	}
	ts := reportTriggers()
	for i := range ts {
		if body, ok := stmt[ts[i].name]; ok {
			ts[i].body, ts[i].stmt = body, true
			ts[i].when = "NEW TABLE AS new_rows"
			if ts[i].event == "DELETE" {
				ts[i].when = "OLD TABLE AS old_rows"
			}
		}
	}
	return ts
}

// ReportSchema returns the statements that create the report tables,
// indexes and triggers of dialect dl, each safe to run again.
func ReportSchema(dl *Dialect) []string {
	stmts := reportTables(dl)
	if dl.Name == Postgres.Name {
		for _, t := range pgReportTriggers() {
			each := " FOR EACH ROW"
			switch {
			case t.stmt:
				each = " REFERENCING " + t.when + " FOR EACH STATEMENT"
			case t.when != "":
				each += " WHEN (" + fill(t.when) + ")"
			}
			stmts = append(stmts,
				"CREATE OR REPLACE FUNCTION "+t.name+"() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n"+
					fill(strings.Join(t.body, ";\n"))+";\nRETURN NULL;\nEND\n$fn$",
				"CREATE OR REPLACE TRIGGER "+t.name+" AFTER "+t.event+" ON "+t.table+each+
					" EXECUTE FUNCTION "+t.name+"()")
		}
		return stmts
	}
	for _, t := range reportTriggers() {
		when := ""
		if t.when != "" {
			when = " WHEN " + fill(t.when)
		}
		stmts = append(stmts, "CREATE TRIGGER IF NOT EXISTS "+t.name+" AFTER "+t.event+" ON "+t.table+
			" FOR EACH ROW"+when+"\nBEGIN\n"+fill(strings.Join(t.body, ";\n"))+";\nEND")
	}
	return stmts
}

// ReportRebuild returns the statements of dialect dl that fill the report
// tables from the rows a store holds, run once when it first gets them. VMs
// are told apart by their names as written, as the triggers' keys do:
// SQLite's name columns fold case (COLLATE NOCASE), which its grouping and
// comparisons would otherwise follow.
func ReportRebuild(dl *Dialect) []string {
	vm := "vm_display_name"
	if dl.Name == SQLite.Name {
		vm += " COLLATE BINARY"
	}
	tasks := fmt.Sprintf(`SELECT %[2]s AS vm_display_name, end_time, result, 0 AS replica FROM backup_task_sessions
			WHERE end_time IS NOT NULL AND job_type <= %[1]d
		UNION ALL SELECT %[2]s, end_time, result, 1 FROM replica_task_sessions WHERE end_time IS NOT NULL`,
		emcdp.JobImmediateBackupCopy, vm)
	return []string{
		`INSERT INTO report_vm_latest (vm, end_time, result)
		SELECT vm_display_name, end_time, result FROM (
			SELECT vm_display_name, end_time, result,
				row_number() OVER (PARTITION BY vm_display_name ORDER BY end_time DESC) AS rn FROM (` + tasks + `) t) x
		WHERE rn = 1`,
		fill(`INSERT INTO report_vm_days (day, replica, vm)
		SELECT DISTINCT end_time / {day}, replica, vm_display_name FROM (` + tasks + `) t
		WHERE result IN ({success}, {warning})`),
		`INSERT INTO report_vm_points (vm, points, size, size_time)
		SELECT ` + vm + `, count(*), 0, max(creation_time) FROM vm_restore_points GROUP BY ` + vm,
		`UPDATE report_vm_points SET size = COALESCE((SELECT t.total_size FROM vm_restore_points p
			JOIN backup_task_sessions t ON t.id = p.task_session_id
			WHERE report_vm_points.vm = p.vm_display_name ORDER BY p.creation_time DESC LIMIT 1), 0)`,
		`INSERT INTO report_backup_sizes (backup_id, full_size, incr_size)
		SELECT backup_id, sum(CASE WHEN file_type = 'vbk' THEN backup_size ELSE 0 END),
			sum(CASE WHEN file_type = 'vbk' THEN 0 ELSE backup_size END)
		FROM backup_files GROUP BY backup_id`,
	}
}

// RowsFunc runs query q with args and calls row for each result row with a
// function that scans it; a store gives ReadReportFacts one bound to its
// read transaction.
type RowsFunc func(q string, args []any, row func(scan func(dest ...any) error) error) error

// Rows is what both stores' result sets offer (database/sql's and pgx's).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// EachRow calls row with the scanner of each row of rows.
func EachRow(rows Rows, row func(scan func(dest ...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ReadReportFacts reads the figures of one report through rows, which must
// read one snapshot of the store.
func ReadReportFacts(dl *Dialect, p emcdp.ReportPeriod, rows RowsFunc) (*emcdp.ReportFacts, error) {
	f := &emcdp.ReportFacts{}
	since, until := Nanos(p.Since), Nanos(p.Until)
	copies := int64(emcdp.JobImmediateBackupCopy) // job types up to it are backup runs
	ph := func(n int) []any {
		a := make([]any, n)
		for i := range a {
			a[i] = dl.Placeholder(i + 1)
		}
		return a
	}
	q := func(format string, n int) string { return fmt.Sprintf(format, ph(n)...) }
	big := "BIGINT"
	sum := func(col string) string { return "CAST(COALESCE(sum(" + col + "), 0) AS " + big + ")" }
	const (
		ov, vo, js, pv, rp = emcdp.FrameOverview, emcdp.FrameVmsOverview, emcdp.FrameJobStatistics,
			emcdp.FrameProcessedVms, emcdp.FrameRepository
	)
	steps := []struct {
		need emcdp.ReportFrames // the frames that need the figures of the step
		q    string
		args []any
		row  func(scan func(...any) error) error
	}{
		{ov, "SELECT count(*), " + sum("proxy_count") + " FROM backup_servers", nil, func(s func(...any) error) error {
			return s(&f.BackupServers, &f.ProxyServers)
		}},
		{ov | rp, "SELECT r.name, r.capacity, r.free_space, COALESCE(s.size, 0) FROM repositories r " +
			"LEFT JOIN (SELECT b.repository_id, " + sum("x.full_size + x.incr_size") + " AS size FROM report_backup_sizes x " +
			"JOIN backups b ON b.id = x.backup_id GROUP BY b.repository_id) s ON s.repository_id = r.id " +
			"ORDER BY " + dl.FoldColumn("r.name") + ", r.id", nil,
			func(s func(...any) error) error {
				var r emcdp.ReportRepository
				err := s(&r.Name, &r.Capacity, &r.FreeSpace, &r.BackupSize)
				f.Repositories = append(f.Repositories, r)
				return err
			}},
		{ov | js, "SELECT job_type, count(*) FROM jobs WHERE schedule_configured AND schedule_enabled GROUP BY job_type", nil,
			func(s func(...any) error) error {
				var t, n int
				if err := s(&t, &n); err != nil {
					return err
				}
				switch jt := emcdp.JobType(t); {
				case jt == emcdp.JobReplica:
					f.ScheduledReplicaJobs += n
				case jt.IsRunType():
					f.ScheduledBackupJobs += n
				}
				return nil
			}},
		{ov | js, q(`SELECT count(*) FROM (SELECT DISTINCT job_id FROM backup_job_sessions WHERE end_time IS NULL AND job_type <= %s
			UNION SELECT DISTINCT job_id FROM replica_job_sessions WHERE end_time IS NULL) x`, 1), []any{copies},
			func(s func(...any) error) error { return s(&f.RunningJobs) }},
		{js, q(`SELECT job_name, job_type, creation_time, end_time, result FROM backup_job_sessions
			WHERE end_time >= %s AND end_time <= %s AND job_type <= %s
			UNION ALL SELECT job_name, job_type, creation_time, end_time, result FROM replica_job_sessions
			WHERE end_time >= %s AND end_time <= %s`, 5), []any{since, until, copies, since, until},
			func(s func(...any) error) error {
				var r emcdp.ReportRun
				var t, res int
				var c, e int64
				err := s(&r.JobName, &t, &c, &e, &res)
				r.JobType, r.Result, r.CreationTime, r.EndTime = emcdp.JobType(t), emcdp.Result(res), time.Unix(0, c).UTC(), time.Unix(0, e).UTC()
				f.Runs = append(f.Runs, r)
				return err
			}},
		{ov, q("SELECT result, count(*) FROM report_vm_latest WHERE end_time >= %s AND end_time <= %s GROUP BY result", 2),
			[]any{since, until}, func(s func(...any) error) error {
				var res, n int
				if err := s(&res, &n); err != nil {
					return err
				}
				if res >= 0 && res < len(f.VmStates) {
					f.VmStates[res] += n
				}
				return nil
			}},
		{vo, q(`SELECT result, count(*) FROM backup_task_sessions WHERE end_time >= %s AND end_time <= %s AND job_type <= %s
			GROUP BY result`, 3), []any{since, until, copies}, func(s func(...any) error) error {
			var res, n int
			if err := s(&res, &n); err != nil {
				return err
			}
			f.BackupTasks += n
			if emcdp.Result(res) == emcdp.ResultSuccess {
				f.SuccessfulBackupTasks += n
			}
			return nil
		}},
		{vo, q("SELECT count(*) FROM vm_restore_points WHERE creation_time >= %s AND creation_time <= %s", 2),
			[]any{since, until}, func(s func(...any) error) error { return s(&f.RestorePoints) }},
		{vo, "SELECT count(*), " + sum("size") + " FROM report_vm_points WHERE points > 0", nil,
			func(s func(...any) error) error { return s(&f.BackedUpVms, &f.SourceVmsSize) }},
		{vo, "SELECT " + sum("full_size") + ", " + sum("incr_size") + " FROM report_backup_sizes", nil,
			func(s func(...any) error) error { return s(&f.FullBackupPointsSize, &f.IncrementalBackupPointsSize) }},
		{pv, q("SELECT day, replica, count(*) FROM report_vm_days WHERE day > %s AND day <= %s GROUP BY day, replica", 2),
			[]any{p.LastDay - int64(p.Days), p.LastDay}, func(s func(...any) error) error {
				var day int64
				var replica, n int
				if err := s(&day, &replica, &n); err != nil {
					return err
				}
				i := slices.IndexFunc(f.Days, func(d emcdp.ReportDay) bool { return d.Day == day })
				if i < 0 {
					i = len(f.Days)
					f.Days = append(f.Days, emcdp.ReportDay{Day: day})
				}
				if replica == 1 {
					f.Days[i].Replicated = n
				} else {
					f.Days[i].BackedUp = n
				}
				return nil
			}},
	}
	for _, st := range steps {
		if st.need&p.Frames == 0 {
			continue
		}
		if err := rows(st.q, st.args, st.row); err != nil {
			return nil, err
		}
	}
	return f, nil
}
