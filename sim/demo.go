package sim

import (
	"time"

	"github.com/emcdp/emcdp"
)

// Demo returns the small deterministic demo world: two backup servers, four
// policies, ten VMs and three days of history with running sessions, a
// nightly RPO warning on one SQL server and the occasional random failure.
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
				}},
			{Name: "vbr-west.lab.local", Version: "12.2.0.334", Description: "DR site backup server",
				Policies: []PolicySpec{
					{Name: "CDP Web Frontend", VMs: []VMSpec{{Name: "web-01", DisksGiB: []int{40}},
						{Name: "web-02", DisksGiB: []int{40}}, {Name: "web-03", DisksGiB: []int{40}}}},
					{Name: "CDP Domain Controllers", Settings: PolicySettings{RPO: 5 * time.Minute, LongTermRetentionHours: 24},
						VMs: []VMSpec{{Name: "dc-01", DisksGiB: []int{60}}, {Name: "dc-02", DisksGiB: []int{60}}}},
				}},
		},
		Episodes: []Episode{
			{VM: "sql-prod-02", Result: emcdp.ResultWarning, From: night(1, 0), To: night(1, 40), Daily: true,
				Reason: "RPO was not met for 2 consecutive periods"},
		},
	}
}
