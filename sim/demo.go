package sim

import (
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
)

// Demo returns the small deterministic demo world: two backup servers, four
// policies, ten VMs and three days of history with running sessions, a
// nightly RPO warning on one SQL server and the occasional random failure;
// beside CDP, every kind of the regular VBR world: repositories (one nearly
// full, one object storage), backup jobs (daily, periodic, continuous, one
// disabled), an immediate copy and a replica job, with retries, warnings and
// failures (SQL Daily fails on three VMs every Tuesday). Each of the two
// continuous jobs keeps a job session running at every moment.
func Demo() Config {
	night := func(h, m int) time.Time { return time.Date(2000, 1, 1, h, m, 0, 0, time.UTC) }
	return Config{
		Seed:        20260618,
		Days:        3,
		WarningRate: 0.06,
		FailureRate: 0.03,
		Catalog: []ServerSpec{
			{Name: "vbr-east.lab.local", Version: "12.3.1.1139", Description: "Primary site backup server",
				Policies: []PolicySpec{
					{Name: "CDP Tier-1 SQL", Description: "SQL Server production, 15 s RPO",
						VMs: []VMSpec{{Name: "sql-prod-01", DisksGiB: []int{16}}, {Name: "sql-prod-02", DisksGiB: []int{100, 200}},
							{Name: "sql-prod-03", DisksGiB: []int{100, 500}}}},
					{Name: "CDP Exchange", Description: "Mailbox servers",
						Settings: PolicySettings{RPO: time.Minute, LongTermRetentionHours: 12},
						VMs:      []VMSpec{{Name: "exch-01", DisksGiB: []int{80, 1024}}, {Name: "exch-02", DisksGiB: []int{80, 1024}}}},
				},
				Repositories: []RepositorySpec{
					{Name: "DD_BOOST_EAST_01", Kind: "DDBoost"},
					{Name: "REPO_LNX_XFS_EAST_02", Kind: "LinuxLocal", NearFull: true},
					{Name: "S3_WASABI_IMMUTABLE", Kind: "AmazonS3Compatible"},
				},
				Jobs: []JobSpec{
					{Name: "SQL Daily", Type: emcdp.JobBackup, Repository: "REPO_LNX_XFS_EAST_02", At: 22 * time.Hour,
						Description: `Created by LAB\admin at 03/14/2025 10:22.`, RetainCycles: 14, Concurrency: 3,
						VMs: vms("sql-db-", []int{100, 200, 200, 500, 80})},
					{Name: "BACKUP_EAST_FILESERVERS_VMW", Type: emcdp.JobBackup, Repository: "DD_BOOST_EAST_01",
						At: 20*time.Hour + 30*time.Minute, Days: weekDays, VMs: vms("fileserver-", []int{1024, 750, 300, 2048})},
					{Name: "Exchange Backup", Type: emcdp.JobBackup, Repository: "DD_BOOST_EAST_01", EveryMinutes: 240,
						At: 40 * time.Minute, VMs: vms("exch-mbx-", []int{500, 500})},
					{Name: "BACKUP_EAST_INFRA_CONTINUOUS", Type: emcdp.JobBackup, Repository: "DD_BOOST_EAST_01",
						Continuous: true, FullDay: "none", RetainCycles: 30, VMs: vms("infra-east-", []int{60, 40, 80})},
					{Name: "COPY_EAST_TO_S3", Type: emcdp.JobImmediateBackupCopy, Repository: "S3_WASABI_IMMUTABLE",
						Sources: []string{"SQL Daily", "BACKUP_EAST_FILESERVERS_VMW"}, RetainCycles: 30},
					{Name: "Legacy App Backup", Type: emcdp.JobBackup, Disabled: true, At: 19 * time.Hour,
						Description: "Application retired; kept for its restore points.", VMs: vms("legacy-app-", []int{127})},
				},
				Agents:  AgentsSpec{Computers: 24, Jobs: []string{"Agents - Windows servers", "Agents - Linux servers"}},
				NasJobs: []NasJobSpec{{Name: "FS01 shares & homes", Shares: 3}}},
			{Name: "vbr-west.lab.local", Version: "12.2.0.334", Description: "DR site backup server",
				Policies: []PolicySpec{
					{Name: "CDP Web Frontend", VMs: []VMSpec{{Name: "web-01", DisksGiB: []int{40}},
						{Name: "web-02", DisksGiB: []int{40}}, {Name: "web-03", DisksGiB: []int{40}}}},
					{Name: "CDP Domain Controllers", Settings: PolicySettings{RPO: 5 * time.Minute, LongTermRetentionHours: 24},
						VMs: []VMSpec{{Name: "dc-01", DisksGiB: []int{60}}, {Name: "dc-02", DisksGiB: []int{60}}}},
				},
				Repositories: []RepositorySpec{{Name: "SOBR_WEST_01", Kind: "Extendable"}},
				Jobs: []JobSpec{
					{Name: "BACKUP_WEST_WEB_VMW", Type: emcdp.JobBackup, At: 23*time.Hour + 30*time.Minute,
						VMs: vms("webfarm-", []int{80, 80, 80, 100})},
					{Name: "REPLICA_WEST_WEB_TO_DR", Type: emcdp.JobReplica, EveryMinutes: 120, At: 15 * time.Minute,
						RetainCycles: 5, VMs: []VMSpec{{Name: "webfarm-01"}, {Name: "webfarm-02"}}},
					{Name: "Infrastructure Continuous", Type: emcdp.JobBackup, Continuous: true, FullDay: "none",
						RetainCycles: 30, VMs: vms("infra-west-", []int{60, 100})},
				},
				Agents:  AgentsSpec{Computers: 6, Jobs: []string{"Agents - West workstations"}},
				NasJobs: []NasJobSpec{{Name: "NAS West projects"}}},
		},
		Jobs: JobsConfig{WarningRate: 0.1, FailureRate: 0.08, Episodes: []JobEpisode{
			{Job: "SQL Daily", Result: emcdp.ResultFailed, VMCount: 3, Weekdays: []time.Weekday{time.Tuesday}},
		}},
		Episodes: []Episode{
			{VM: "sql-prod-02", Result: emcdp.ResultWarning, From: night(1, 0), To: night(1, 40), Daily: true,
				Reason: "RPO was not met for 2 consecutive periods"},
		},
	}
}

// weekDays are Monday to Friday.
var weekDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// vms names one VM per size: prefix01, prefix02…
func vms(prefix string, sizesGiB []int) []VMSpec {
	out := make([]VMSpec, len(sizesGiB))
	for i, s := range sizesGiB {
		out[i] = VMSpec{Name: fmt.Sprintf("%s%02d", prefix, i+1), DisksGiB: []int{s}}
	}
	return out
}
