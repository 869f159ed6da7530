package wire

import (
	"time"

	emcdp "github.com/emcdp/emcdp"
)

// This file writes the structured elements of a Job (monitoring.md §8):
// JobScheduleOptions, with the kept spellings Standart,
// BackupCompetitionWaitingPeriodMin and (JSON) RetrySpecified1, and JobInfo
// with the one member of the job's type; and the includes of a job. The
// options not in force are written with the product's defaults
// (testdata/vbr/README.md lists them).

// jobKeyNames are the JSON property names of the structured job elements.
var jobKeyNames = []string{"Standart", "ImmediateCopyMode", "RetryOptions", "RetryTimes", "RetryTimeout",
	"RetrySpecified1", "WaitForBackupCompletion", "BackupCompetitionWaitingPeriodMin", "OptionsDaily", "Kind",
	"Days", "Time", "TimeOffsetUtc", "Enabled", "OptionsMonthly", "DayNumberInMonth", "DayOfWeek", "Months",
	"DayOfMonth", "OptionsPeriodically", "FullPeriod", "Schedule", "OptionsContinuous", "OptionsBackupWindow",
	"TimePeriods", "OptionsDaisyChaining", "PreviousJobUid", "Links", "Href", "Type", "Name", "Value",
	"BackupJobInfo", "FileCopyJobInfo", "ReplicaJobInfo", "BackupCopyJobInfo", "ImmediateBackupCopyJobInfo",
	"Includes", "AdvancedStorageOptions", "PasswordKeyId", "GfsRetentionPolicy", "Weekly", "Monthly", "Yearly",
	"RetentionPeriod", "SelectedDay", "SelectedWeek", "SelectedMonth", "SimpleRetentionPolicy", "RetainCycles",
	"RetainDaysToKeep", "RetainLimitType", "LinkedJobIncludes", "LinkedJobObjects", "ObjectInJobId",
	"LinkedJobUid", "LinkedBackupIncludes", "LinkedBackups", "LinkedBackupRepositoryIncludes",
	"LinkedBackupRepositories"}

// jobKeys[profile][name] is the ready-to-append key of a name above.
var jobKeys = func() [2]map[string]string {
	var out [2]map[string]string
	for pr, conv := range [2]func(string) string{func(s string) string { return s }, CamelCase} {
		out[pr] = map[string]string{}
		for _, n := range jobKeyNames {
			out[pr][n] = `"` + conv(n) + `":`
		}
	}
	return out
}()

var (
	weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"}
	allHours = emcdp.FullWeek(1)
)

// xStructured writes a structured property of a described kind.
func xStructured(b []byte, ind int, base, elem string, v any) []byte {
	switch j := v.(type) {
	case *emcdp.Job:
		switch elem {
		case "JobScheduleOptions":
			return xJobSchedule(b, ind, j)
		case "JobInfo":
			if j.JobType == emcdp.JobAgentBackup {
				return xAgentJobInfo(b, ind, base, j)
			}
			return xJobInfo(b, ind, base, j)
		}
	case *emcdp.NasJob:
		return xNasStructured(b, ind, base, elem, j)
	case *emcdp.CdpScheduleOptions:
		return xPolicySchedule(b, ind, j)
	case *emcdp.CdpPolicy:
		return xPolicyInfo(b, ind, base, j)
	}
	return b
}

// jStructured writes the value of a structured property after its key.
func jStructured(b []byte, ks *keys, micro bool, base, elem string, v any) []byte {
	jk := jobKeys[0]
	if micro {
		jk = jobKeys[1]
	}
	switch j := v.(type) {
	case *emcdp.Job:
		switch elem {
		case "JobScheduleOptions":
			return jJobSchedule(b, jk, j)
		case "JobInfo":
			if j.JobType == emcdp.JobAgentBackup {
				ak := agentKeys[0]
				if micro {
					ak = agentKeys[1]
				}
				return jAgentJobInfo(b, ks, jk, ak, base, j)
			}
			return jJobInfo(b, ks, jk, base, j)
		}
	case *emcdp.NasJob:
		return jNasStructured(b, ks, micro, base, elem, j)
	case *emcdp.CdpScheduleOptions:
		return jPolicySchedule(b, ks, j)
	case *emcdp.CdpPolicy:
		return jPolicyInfo(b, ks, base, j)
	}
	return append(b, "null"...)
}

// schedView is what the wire writes of a JobSchedule, defaults filled in.
type schedView struct {
	daily, monthly, periodic, continuous, window, chained bool
	days                                                  []time.Weekday
	dailyKind, dayNumber, dayOfWeek                       string
	periodKind                                            string
	fullPeriod                                            int64
	periods, backupWindow                                 *emcdp.WeekSchedule
	xmlTime, jsonTime                                     string
}

func viewOf(j *emcdp.Job) schedView {
	s := &j.Schedule
	v := schedView{daily: s.Kind == emcdp.ScheduleDaily, monthly: s.Kind == emcdp.ScheduleMonthly,
		periodic: s.Kind == emcdp.SchedulePeriodically, continuous: s.Kind == emcdp.ScheduleContinuous,
		window: s.BackupWindowEnabled, chained: s.Kind == emcdp.ScheduleDaisyChaining,
		dailyKind: orDefault(s.DailyKind, "Everyday"), dayNumber: "Fourth", dayOfWeek: "Saturday",
		periodKind: "Hours", fullPeriod: 1, periods: &allHours, backupWindow: &allHours}
	switch v.dailyKind {
	case "WeekDays":
		v.days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	case "SelectedDays":
		v.days = s.DailyDays
	default:
		v.days = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	}
	if v.monthly {
		v.dayNumber, v.dayOfWeek = orDefault(s.DayNumberInMonth, "First"), weekdays[s.DayOfWeek%7]
	}
	if s.PeriodMinutes > 0 {
		if s.PeriodMinutes%60 == 0 {
			v.fullPeriod = int64(s.PeriodMinutes / 60)
		} else {
			v.periodKind, v.fullPeriod = "Minutes", int64(s.PeriodMinutes)
		}
	}
	if s.Periods != (emcdp.WeekSchedule{}) {
		v.periods = &s.Periods
	}
	if s.BackupWindow != (emcdp.WeekSchedule{}) {
		v.backupWindow = &s.BackupWindow
	}
	day := s.Saved
	if day.IsZero() {
		day = j.NextRun
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).Add(s.At)
	v.xmlTime = at.Format("15:04:05.0000000-07:00")
	v.jsonTime = at.Format("2006-01-02T15:04:05-07:00")
	return v
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// xOptionOpen writes the start tag of an option with its Enabled attribute.
func xOptionOpen(b []byte, ind int, elem string, on bool) []byte {
	b = xAttr(xOpen(b, ind, elem), "Enabled", boolText(on))
	return append(b, '>')
}

// xWeek writes elem holding one <Day Name="…"> per weekday.
func xWeek(b []byte, ind int, elem string, w *emcdp.WeekSchedule) []byte {
	b = xStart(b, ind, elem, false)
	for d := range w {
		b = xAttr(xOpen(b, ind+1, "Day"), "Name", weekdays[d])
		b = append(b, '>')
		b = appendDay(b, &w[d])
		b = xLeafClose(b, "Day")
	}
	return xClose(b, ind, elem)
}

// xJobSchedule writes JobScheduleOptions: Standart, or ImmediateCopyMode for
// an immediate copy job.
func xJobSchedule(b []byte, ind int, j *emcdp.Job) []byte {
	s := &j.Schedule
	v := viewOf(j)
	b = xStart(b, ind, "JobScheduleOptions", false)
	in := ind + 1
	if j.JobType == emcdp.JobImmediateBackupCopy {
		b = xStart(b, in, "ImmediateCopyMode", false)
		b = xOptionOpen(b, in+1, "OptionsContinuous", true)
		b = xWeek(b, in+2, "Schedule", &allHours)
		b = xClose(b, in+1, "OptionsContinuous")
		b = xClose(b, in, "ImmediateCopyMode")
		return xClose(b, ind, "JobScheduleOptions")
	}
	b = xStart(b, in, "Standart", false)
	o := in + 1
	b = xStart(b, o, "RetryOptions", false)
	b = xInt(b, o+1, "RetryTimes", int64(s.RetryTimes))
	b = xInt(b, o+1, "RetryTimeout", int64(s.RetryTimeout))
	b = xBool(b, o+1, "RetrySpecified", s.RetrySpecified)
	b = xClose(b, o, "RetryOptions")
	b = xBool(b, o, "WaitForBackupCompletion", true)
	b = xInt(b, o, "BackupCompetitionWaitingPeriodMin", 180)

	b = xOptionOpen(b, o, "OptionsDaily", v.daily)
	b = xString(b, o+1, "Kind", v.dailyKind)
	for _, d := range v.days {
		b = xString(b, o+1, "Days", weekdays[d%7])
	}
	b = xString(b, o+1, "Time", v.xmlTime)
	b = xInt(b, o+1, "TimeOffsetUtc", 0)
	b = xClose(b, o, "OptionsDaily")

	b = xOptionOpen(b, o, "OptionsMonthly", v.monthly)
	b = xString(b, o+1, "Time", v.xmlTime)
	b = xInt(b, o+1, "TimeOffsetUtc", 0)
	b = xString(b, o+1, "DayNumberInMonth", v.dayNumber)
	b = xString(b, o+1, "DayOfWeek", v.dayOfWeek)
	for _, m := range months {
		b = xString(b, o+1, "Months", m)
	}
	b = xInt(b, o+1, "DayOfMonth", 1)
	b = xClose(b, o, "OptionsMonthly")

	b = xOptionOpen(b, o, "OptionsPeriodically", v.periodic)
	b = xString(b, o+1, "Kind", v.periodKind)
	b = xInt(b, o+1, "FullPeriod", v.fullPeriod)
	b = xWeek(b, o+1, "Schedule", v.periods)
	b = xClose(b, o, "OptionsPeriodically")

	b = xOptionOpen(b, o, "OptionsContinuous", v.continuous)
	b = xWeek(b, o+1, "Schedule", &allHours)
	b = xClose(b, o, "OptionsContinuous")

	b = xOptionOpen(b, o, "OptionsBackupWindow", v.window)
	b = xWeek(b, o+1, "TimePeriods", v.backupWindow)
	b = xClose(b, o, "OptionsBackupWindow")

	b = xOptionOpen(b, o, "OptionsDaisyChaining", v.chained)
	if v.chained {
		b = xUID(b, o+1, "PreviousJobUid", kindOf(emcdp.KindJob), s.PreviousJobID)
	} else {
		b = xString(b, o+1, "PreviousJobUid", "")
	}
	b = xClose(b, o, "OptionsDaisyChaining")
	b = xClose(b, in, "Standart")
	return xClose(b, ind, "JobScheduleOptions")
}

// jobInfoMembers are the members of JobInfo in their JSON order.
var jobInfoMembers = []string{"BackupJobInfo", "FileCopyJobInfo", "ReplicaJobInfo", "BackupCopyJobInfo", "ImmediateBackupCopyJobInfo"}

// jobInfoElem returns the JobInfo member of a job type.
func jobInfoElem(t emcdp.JobType) string {
	switch t {
	case emcdp.JobReplica:
		return "ReplicaJobInfo"
	case emcdp.JobBackupCopy:
		return "BackupCopyJobInfo"
	case emcdp.JobImmediateBackupCopy:
		return "ImmediateBackupCopyJobInfo"
	}
	return "BackupJobInfo"
}

// xJobInfo writes JobInfo with the one member of the job's type.
func xJobInfo(b []byte, ind int, base string, j *emcdp.Job) []byte {
	b = xStart(b, ind, "JobInfo", false)
	in := ind + 1
	elem := jobInfoElem(j.JobType)
	b = xStart(b, in, elem, false)
	m := in + 1
	coll := kindOf(emcdp.KindJob).coll
	switch j.JobType {
	case emcdp.JobImmediateBackupCopy:
		b = xLinkedJobs(b, m, j)
		b = xEmptyEnd(xOpen(b, m, "LinkedBackupIncludes"), false)
		b = xEmptyEnd(xOpen(b, m, "LinkedBackupRepositoryIncludes"), false)
	case emcdp.JobBackupCopy:
		b = xObjectsInJob(b, m, "Includes", base, &owner{coll: coll, id: j.ID}, j.Includes)
		b = xLinkedJobs(b, m, j)
		b = xAdvancedStorage(b, m)
		b = xEmptyEnd(xOpen(b, m, "LinkedBackupIncludes"), false)
	case emcdp.JobReplica:
		b = xObjectsInJob(b, m, "Includes", base, &owner{coll: coll, id: j.ID}, j.Includes)
		b = xGuest(b, m, &j.Guest)
	default:
		b = xObjectsInJob(b, m, "Includes", base, &owner{coll: coll, id: j.ID}, j.Includes)
		b = xGuest(b, m, &j.Guest)
		b = xAdvancedStorage(b, m)
		b = xRetention(b, m, j)
	}
	b = xClose(b, in, elem)
	return xClose(b, ind, "JobInfo")
}

// gfsPeriods are the GFS sub-policies, written with their defaults.
var gfsPeriods = []struct{ name, selKey, selVal string }{
	{"Weekly", "SelectedDay", "Sunday"}, {"Monthly", "SelectedWeek", "First"}, {"Yearly", "SelectedMonth", "January"},
}

func xAdvancedStorage(b []byte, ind int) []byte {
	b = xStart(b, ind, "AdvancedStorageOptions", false)
	b = xString(b, ind+1, "PasswordKeyId", "")
	return xClose(b, ind, "AdvancedStorageOptions")
}

// xLinkedJobs writes LinkedJobIncludes: one LinkedJobObject per source job.
func xLinkedJobs(b []byte, ind int, j *emcdp.Job) []byte {
	if len(j.SourceJobIDs) == 0 {
		return xEmptyEnd(xOpen(b, ind, "LinkedJobIncludes"), false)
	}
	b = xStart(b, ind, "LinkedJobIncludes", false)
	for i, src := range j.SourceJobIDs {
		b = xStart(b, ind+1, "LinkedJobObject", false)
		b = xLeafOpen(b, ind+2, "ObjectInJobId")
		b = sourceObject(j, i).AppendTo(b)
		b = xLeafClose(b, "ObjectInJobId")
		b = xUID(b, ind+2, "LinkedJobUid", kindOf(emcdp.KindJob), src)
		b = xClose(b, ind+1, "LinkedJobObject")
	}
	return xClose(b, ind, "LinkedJobIncludes")
}

// sourceObject returns the ObjectInJobId of the i-th source job of j.
func sourceObject(j *emcdp.Job, i int) emcdp.ID {
	if i < len(j.SourceObjectIDs) {
		return j.SourceObjectIDs[i]
	}
	return j.SourceJobIDs[i]
}

// jWeek writes {"Days":[{"Name":…,"Value":…}…]}.
func jWeek(b []byte, jk map[string]string, w *emcdp.WeekSchedule) []byte {
	b = append(jKey(append(b, '{'), jk["Days"]), '[')
	for d := range w {
		b = append(jSep(b), '{')
		b = jString(b, jk["Name"], weekdays[d])
		b = append(jKey(b, jk["Value"]), '"')
		b = append(appendDay(b, &w[d]), '"', '}')
	}
	return append(b, ']', '}')
}

// jJobSchedule writes the JobScheduleOptions object.
func jJobSchedule(b []byte, jk map[string]string, j *emcdp.Job) []byte {
	s := &j.Schedule
	v := viewOf(j)
	b = append(b, '{')
	if j.JobType == emcdp.JobImmediateBackupCopy {
		b = jNull(b, jk["Standart"])
		b = append(jKey(b, jk["ImmediateCopyMode"]), '{')
		b = append(jKey(b, jk["OptionsContinuous"]), '{')
		b = jWeek(jKey(b, jk["Schedule"]), jk, &allHours)
		b = jBool(b, jk["Enabled"], true)
		b = append(b, '}', '}')
	} else {
		b = append(jKey(b, jk["Standart"]), '{')
		b = append(jKey(b, jk["RetryOptions"]), '{')
		b = jInt(b, jk["RetryTimes"], int64(s.RetryTimes))
		b = jInt(b, jk["RetryTimeout"], int64(s.RetryTimeout))
		b = jBool(b, jk["RetrySpecified1"], s.RetrySpecified)
		b = append(b, '}')
		b = jBool(b, jk["WaitForBackupCompletion"], true)
		b = jInt(b, jk["BackupCompetitionWaitingPeriodMin"], 180)

		b = append(jKey(b, jk["OptionsDaily"]), '{')
		b = jString(b, jk["Kind"], v.dailyKind)
		b = append(jKey(b, jk["Days"]), '[')
		for _, d := range v.days {
			b = appendJSONString(jSep(b), weekdays[d%7])
		}
		b = append(b, ']')
		b = jString(b, jk["Time"], v.jsonTime)
		b = jInt(b, jk["TimeOffsetUtc"], 0)
		b = jBool(b, jk["Enabled"], v.daily)
		b = append(b, '}')

		b = append(jKey(b, jk["OptionsMonthly"]), '{')
		b = jString(b, jk["Time"], v.jsonTime)
		b = jInt(b, jk["TimeOffsetUtc"], 0)
		b = jString(b, jk["DayNumberInMonth"], v.dayNumber)
		b = jString(b, jk["DayOfWeek"], v.dayOfWeek)
		b = append(jKey(b, jk["Months"]), '[')
		for _, m := range months {
			b = appendJSONString(jSep(b), m)
		}
		b = append(b, ']')
		b = jInt(b, jk["DayOfMonth"], 1)
		b = jBool(b, jk["Enabled"], v.monthly)
		b = append(b, '}')

		b = append(jKey(b, jk["OptionsPeriodically"]), '{')
		b = jString(b, jk["Kind"], v.periodKind)
		b = jInt(b, jk["FullPeriod"], v.fullPeriod)
		b = jWeek(jKey(b, jk["Schedule"]), jk, v.periods)
		b = jBool(b, jk["Enabled"], v.periodic)
		b = append(b, '}')

		b = append(jKey(b, jk["OptionsContinuous"]), '{')
		b = jWeek(jKey(b, jk["Schedule"]), jk, &allHours)
		b = jBool(b, jk["Enabled"], v.continuous)
		b = append(b, '}')

		b = append(jKey(b, jk["OptionsBackupWindow"]), '{')
		b = jWeek(jKey(b, jk["TimePeriods"]), jk, v.backupWindow)
		b = jBool(b, jk["Enabled"], v.window)
		b = append(b, '}')

		b = append(jKey(b, jk["OptionsDaisyChaining"]), '{')
		if v.chained {
			b = jUID(b, jk["PreviousJobUid"], kindOf(emcdp.KindJob), s.PreviousJobID)
		} else {
			b = jString(b, jk["PreviousJobUid"], "")
		}
		b = jBool(b, jk["Enabled"], v.chained)
		b = append(b, '}', '}')
		b = jNull(b, jk["ImmediateCopyMode"])
	}
	b = jNull(b, jk["Links"])
	b = jNull(b, jk["Href"])
	b = jNull(b, jk["Type"])
	return append(b, '}')
}

// jJobInfo writes the JobInfo object: all members present, the unused
// ones null.
func jJobInfo(b []byte, ks *keys, jk map[string]string, base string, j *emcdp.Job) []byte {
	elem := jobInfoElem(j.JobType)
	coll := kindOf(emcdp.KindJob).coll
	includes := func(b []byte) []byte {
		b = append(jKey(b, jk["Includes"]), '{')
		b = jObjectsInJob(b, ks, base, &owner{coll: coll, id: j.ID}, j.Includes)
		return append(b, '}')
	}
	b = append(b, '{')
	for _, m := range jobInfoMembers {
		if m != elem {
			b = jNull(b, jk[m])
			continue
		}
		b = append(jKey(b, jk[m]), '{')
		switch j.JobType {
		case emcdp.JobImmediateBackupCopy:
			b = jLinkedJobs(b, jk, j)
			b = append(jKey(b, jk["LinkedBackupIncludes"]), '{')
			b = append(jKey(b, jk["LinkedBackups"]), '[', ']', '}')
			b = append(jKey(b, jk["LinkedBackupRepositoryIncludes"]), '{')
			b = append(jKey(b, jk["LinkedBackupRepositories"]), '[', ']', '}')
		case emcdp.JobBackupCopy:
			b = includes(b)
			b = jLinkedJobs(b, jk, j)
			b = jAdvancedStorage(b, jk)
			b = append(jKey(b, jk["LinkedBackupIncludes"]), '{')
			b = append(jKey(b, jk["LinkedBackups"]), '[', ']', '}')
		case emcdp.JobReplica:
			b = includes(b)
			b = jGuest(b, ks, &j.Guest)
		default:
			b = includes(b)
			b = jGuest(b, ks, &j.Guest)
			b = jAdvancedStorage(b, jk)
			b = jRetention(b, jk, j)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func jAdvancedStorage(b []byte, jk map[string]string) []byte {
	b = append(jKey(b, jk["AdvancedStorageOptions"]), '{')
	b = jString(b, jk["PasswordKeyId"], "")
	return append(b, '}')
}

// jLinkedJobs writes LinkedJobIncludes: {"LinkedJobObjects":[…]}.
func jLinkedJobs(b []byte, jk map[string]string, j *emcdp.Job) []byte {
	b = append(jKey(b, jk["LinkedJobIncludes"]), '{')
	b = append(jKey(b, jk["LinkedJobObjects"]), '[')
	for i, src := range j.SourceJobIDs {
		b = append(jSep(b), '{')
		b = append(jKey(b, jk["ObjectInJobId"]), '"')
		b = append(sourceObject(j, i).AppendTo(b), '"')
		b = jUID(b, jk["LinkedJobUid"], kindOf(emcdp.KindJob), src)
		b = jNull(b, jk["Links"])
		b = jNull(b, jk["Href"])
		b = jNull(b, jk["Type"])
		b = append(b, '}')
	}
	return append(b, ']', '}')
}

// Includes writes the includes of an item of kind k (GET /jobs/{id}/includes,
// /cdpPolicies/{id}/includes); ownerName names the owner's entity in the
// Up link of a kind whose includes have links (Desc.IncludeLinks).
func (e Encoder) Includes(dst []byte, base string, k emcdp.Kind, ownerID emcdp.ID, ownerName string, v []emcdp.ObjectInJob) []byte {
	o := includesOwner(k, ownerID, ownerName)
	dst = e.begin(dst)
	if e.json() {
		dst = append(dst, '{')
		dst = jObjectsInJob(dst, e.keys(), base, &o, v)
		dst = append(dst, '}')
	} else {
		dst = xObjectsInJob(dst, 0, "ObjectsInJob", base, &o, v)
	}
	return e.end(dst)
}

// Include writes one included object of an item of kind k
// (GET /jobs/{id}/includes/{oid}, /cdpPolicies/{id}/includes/{oid}).
func (e Encoder) Include(dst []byte, base string, k emcdp.Kind, ownerID emcdp.ID, ownerName string, v *emcdp.ObjectInJob) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	o := includesOwner(k, ownerID, ownerName)
	dst = e.begin(dst)
	if e.json() {
		dst = jObjectInJob(dst, e.keys(), base, &o, v)
	} else {
		dst = xObjectInJob(dst, 0, base, &o, v)
	}
	return e.end(dst)
}

// includesOwner returns the owner of the includes collection of an item of
// kind k: its items link to the owner when k's description says so.
func includesOwner(k emcdp.Kind, id emcdp.ID, name string) owner {
	ki := kindOf(k)
	d := emcdp.KindDesc(k)
	return owner{coll: ki.coll, id: id, name: name, upType: ki.typ, links: d != nil && d.IncludeLinks}
}

// xRetention writes GfsRetentionPolicy (defaults) and SimpleRetentionPolicy.
func xRetention(b []byte, m int, j *emcdp.Job) []byte {
	b = xOptionOpen(b, m, "GfsRetentionPolicy", j.Retention.GfsEnabled)
	for _, g := range gfsPeriods {
		b = xStart(b, m+1, g.name, false)
		b = xBool(b, m+2, "Enabled", false)
		b = xInt(b, m+2, "RetentionPeriod", 1)
		b = xString(b, m+2, g.selKey, g.selVal)
		b = xClose(b, m+1, g.name)
	}
	b = xClose(b, m, "GfsRetentionPolicy")
	b = xStart(b, m, "SimpleRetentionPolicy", false)
	b = xInt(b, m+1, "RetainCycles", int64(j.Retention.RetainCycles))
	b = xInt(b, m+1, "RetainDaysToKeep", int64(j.Retention.RetainDaysToKeep))
	b = xString(b, m+1, "RetainLimitType", orDefault(j.Retention.RetainLimitType, "Cycles"))
	return xClose(b, m, "SimpleRetentionPolicy")
}

// jRetention writes GfsRetentionPolicy (defaults) and SimpleRetentionPolicy.
func jRetention(b []byte, jk map[string]string, j *emcdp.Job) []byte {
	b = append(jKey(b, jk["GfsRetentionPolicy"]), '{')
	for _, g := range gfsPeriods {
		b = append(jKey(b, jk[g.name]), '{')
		b = jBool(b, jk["Enabled"], false)
		b = jInt(b, jk["RetentionPeriod"], 1)
		b = jString(b, jk[g.selKey], g.selVal)
		b = append(b, '}')
	}
	b = jBool(b, jk["Enabled"], j.Retention.GfsEnabled)
	b = append(b, '}')
	b = append(jKey(b, jk["SimpleRetentionPolicy"]), '{')
	b = jInt(b, jk["RetainCycles"], int64(j.Retention.RetainCycles))
	b = jInt(b, jk["RetainDaysToKeep"], int64(j.Retention.RetainDaysToKeep))
	b = jString(b, jk["RetainLimitType"], orDefault(j.Retention.RetainLimitType, "Cycles"))
	return append(b, '}')
}
