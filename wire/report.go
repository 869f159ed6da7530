package wire

import emcdp "github.com/emcdp/emcdp"

// This file writes the summary report and its five frames (monitoring.md
// §7): non-key resources without Href or Type; in JSON their own
// properties are followed by "Links": null, "Href": null, "Type": null, as
// every real report reply ends.

// The constant report links of the real server [seen].
const (
	ProtectedVmsReportLink     = "Workspace/ViewReport.aspx?definition=8a56d84f-1790-4f54-ab20-2e0bfdefa16b&ShowParams=1"
	BackupJobStatusReportLink  = "Workspace/ViewReport.aspx?definition=7962844d-db6c-4d29-8b6e-4e0f7db0785f&ShowParams=1"
	CapacityPlanningReportLink = "Workspace/ViewReport.aspx?definition=62221565-102c-4ec8-851b-d61c03d972d1&ShowParams=1"
)

// ReportFrames are the frames of the summary report in the order of its
// links: the Name clients key them by and the path under /reports/summary/.
var ReportFrames = [...]struct{ Name, Path string }{
	{"Overview", "overview"},
	{"VmsOverview", "vms_overview"},
	{"JobStatistics", "job_statistics"},
	{"ProcessedVms", "processed_vms"},
	{"Repositories", "repository"},
}

// SummaryReport writes GET /reports/summary: one Down ReportFrame link per
// frame.
func (e Encoder) SummaryReport(dst []byte, base string) []byte {
	var links [len(ReportFrames)]link
	for i, f := range ReportFrames {
		links[i] = link{rel: "Down", typ: "ReportFrame", name: f.Name, base: base, path: "/reports/summary/", tail: f.Path}
	}
	dst = e.begin(dst)
	if e.json() {
		ks := e.keys()
		dst = jLinks(append(dst, '{'), ks, links[:])
		dst = append(jNull(jNull(dst, ks.Href), ks.Type), '}')
	} else {
		dst = xStart(dst, 0, "SummaryReport", true)
		dst = xLinks(dst, 1, links[:])
		dst = xClose(dst, 0, "SummaryReport")
	}
	return e.end(dst)
}

// rfield is one element of a frame: an integer, or a string when isStr.
type rfield struct {
	name  string
	n     int64
	s     string
	isStr bool
}

func rInt[T int | int64](name string, v T) rfield { return rfield{name: name, n: int64(v)} }
func rStr(name, v string) rfield                  { return rfield{name: name, s: v, isStr: true} }

// key returns the JSON key of a report property in the encoder's profile.
func (e Encoder) key(name string) string {
	if e.Profile == V13 {
		name = CamelCase(name)
	}
	return `"` + name + `":`
}

// frame writes a frame made of plain elements.
func (e Encoder) frame(dst []byte, root string, fs []rfield) []byte {
	dst = e.begin(dst)
	if e.json() {
		dst = append(dst, '{')
		for _, f := range fs {
			if f.isStr {
				dst = jString(dst, e.key(f.name), f.s)
			} else {
				dst = jInt(dst, e.key(f.name), f.n)
			}
		}
		dst = e.jTail(dst)
	} else {
		dst = xStart(dst, 0, root, true)
		for _, f := range fs {
			if f.isStr {
				dst = xString(dst, 1, f.name, f.s)
			} else {
				dst = xInt(dst, 1, f.name, f.n)
			}
		}
		dst = xClose(dst, 0, root)
	}
	return e.end(dst)
}

// jTail ends a frame's JSON object.
func (e Encoder) jTail(dst []byte) []byte {
	ks := e.keys()
	return append(jNull(jNull(jNull(dst, ks.Links), ks.Href), ks.Type), '}')
}

// OverviewReport writes the overview frame (OverviewReportFrame).
func (e Encoder) OverviewReport(dst []byte, r *emcdp.OverviewReport) []byte {
	return e.frame(dst, "OverviewReportFrame", []rfield{
		rInt("BackupServers", r.BackupServers), rInt("ProxyServers", r.ProxyServers),
		rInt("RepositoryServers", r.RepositoryServers), rInt("RunningJobs", r.RunningJobs),
		rInt("ScheduledJobs", r.ScheduledJobs), rInt("SuccessfulVmLastestStates", r.SuccessfulVmLastestStates),
		rInt("WarningVmLastestStates", r.WarningVmLastestStates), rInt("FailedVmLastestStates", r.FailedVmLastestStates),
	})
}

// VmsOverviewReport writes the vms_overview frame (VmsOverviewReportFrame).
func (e Encoder) VmsOverviewReport(dst []byte, r *emcdp.VmsOverviewReport) []byte {
	return e.frame(dst, "VmsOverviewReportFrame", []rfield{
		rInt("ProtectedVms", r.ProtectedVms), rInt("BackedUpVms", r.BackedUpVms), rInt("ReplicatedVms", r.ReplicatedVms),
		rInt("RestorePoints", r.RestorePoints), rInt("FullBackupPointsSize", r.FullBackupPointsSize),
		rInt("IncrementalBackupPointsSize", r.IncrementalBackupPointsSize),
		rInt("ReplicaRestorePointsSize", r.ReplicaRestorePointsSize), rInt("SourceVmsSize", r.SourceVmsSize),
		rInt("SuccessBackupPercents", r.SuccessBackupPercents), rStr("ProtectedVmsReportLink", ProtectedVmsReportLink),
	})
}

// JobStatisticsReport writes the job_statistics frame (JobStatisticsReportFrame).
func (e Encoder) JobStatisticsReport(dst []byte, r *emcdp.JobStatisticsReport) []byte {
	return e.frame(dst, "JobStatisticsReportFrame", []rfield{
		rInt("RunningJobs", r.RunningJobs), rInt("ScheduledJobs", r.ScheduledJobs),
		rInt("ScheduledBackupJobs", r.ScheduledBackupJobs), rInt("ScheduledReplicaJobs", r.ScheduledReplicaJobs),
		rInt("TotalJobRuns", r.TotalJobRuns), rInt("SuccessfulJobRuns", r.SuccessfulJobRuns),
		rInt("WarningsJobRuns", r.WarningsJobRuns), rInt("FailedJobRuns", r.FailedJobRuns),
		rInt("MaxJobDuration", r.MaxJobDuration), rInt("MaxBackupJobDuration", r.MaxBackupJobDuration),
		rInt("MaxReplicaJobDuration", r.MaxReplicaJobDuration),
		rStr("MaxDurationBackupJobName", r.MaxDurationBackupJobName),
		rStr("MaxDurationReplicaJobName", r.MaxDurationReplicaJobName),
		rStr("BackupJobStatusReportLink", BackupJobStatusReportLink),
	})
}

// ProcessedVmsReport writes the processed_vms frame (ProcessedVmsReportFrame):
// one Day per day, its counts and Timestamp as attributes in XML, items of
// "Days" in JSON.
func (e Encoder) ProcessedVmsReport(dst []byte, days []emcdp.ProcessedVmsDay) []byte {
	const root, stamp = "ProcessedVmsReportFrame", "2006-01-02T15:04:05-07:00"
	dst = e.begin(dst)
	if e.json() {
		dst = append(append(dst, '{'), e.key("Days")...)
		dst = append(dst, '[')
		for i := range days {
			d := &days[i]
			dst = append(jSep(dst), '{')
			dst = jInt(dst, e.key("BackupedVms"), int64(d.BackedUpVms))
			dst = jInt(dst, e.key("ReplicatedVms"), int64(d.ReplicatedVms))
			dst = jString(dst, e.key("Timestamp"), d.Timestamp.Format(stamp))
			dst = append(dst, '}')
		}
		dst = e.jTail(append(dst, ']'))
	} else {
		if len(days) == 0 {
			return e.end(xEmptyEnd(xOpen(dst, 0, root), true))
		}
		dst = xStart(dst, 0, root, true)
		for i := range days {
			d := &days[i]
			dst = xOpen(dst, 1, "Day")
			dst = xAttr(dst, "BackupedVms", itoa(d.BackedUpVms))
			dst = xAttr(dst, "ReplicatedVms", itoa(d.ReplicatedVms))
			dst = xAttr(dst, "Timestamp", d.Timestamp.Format(stamp))
			dst = xEmptyEnd(dst, false)
		}
		dst = xClose(dst, 0, root)
	}
	return e.end(dst)
}

// RepositoryReport writes the repository frame (RepositoryReportFrame): the
// capacity planning link as a root attribute in XML, one Period per
// repository.
func (e Encoder) RepositoryReport(dst []byte, rs []emcdp.ReportRepository) []byte {
	const root = "RepositoryReportFrame"
	dst = e.begin(dst)
	if e.json() {
		dst = append(append(dst, '{'), e.key("Periods")...)
		dst = append(dst, '[')
		for i := range rs {
			r := &rs[i]
			dst = append(jSep(dst), '{')
			dst = jString(dst, e.key("Name"), r.Name)
			dst = jInt(dst, e.key("Capacity"), r.Capacity)
			dst = jInt(dst, e.key("FreeSpace"), r.FreeSpace)
			dst = jInt(dst, e.key("BackupSize"), r.BackupSize)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
		dst = jString(dst, e.key("CapacityPlanningReportLink"), CapacityPlanningReportLink)
		dst = e.jTail(dst)
	} else {
		dst = xAttr(xOpen(dst, 0, root), "CapacityPlanningReportLink", CapacityPlanningReportLink)
		if len(rs) == 0 {
			return e.end(xEmptyEnd(dst, true))
		}
		dst = xOpenEnd(dst, true)
		for i := range rs {
			r := &rs[i]
			dst = xStart(dst, 1, "Period", false)
			dst = xString(dst, 2, "Name", r.Name)
			dst = xInt(dst, 2, "Capacity", r.Capacity)
			dst = xInt(dst, 2, "FreeSpace", r.FreeSpace)
			dst = xInt(dst, 2, "BackupSize", r.BackupSize)
			dst = xClose(dst, 1, "Period")
		}
		dst = xClose(dst, 0, root)
	}
	return e.end(dst)
}

// itoa formats an attribute's integer.
func itoa(n int) string { return string(appendInt(nil, int64(n))) }
