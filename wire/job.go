package wire

import (
	"time"

	emcdp "github.com/emcdp/emcdp"
)

// This file writes the structured elements of a Job (monitoring.md §8):
// JobScheduleOptions, with the kept spellings Standart,
// BackupCompetitionWaitingPeriodMin and (JSON) RetrySpecified1, and JobInfo,
// and the includes of a job.

// jobKeyNames are the JSON property names of the structured job elements.
var jobKeyNames = []string{"Standart", "ImmediateCopyMode", "RetryOptions", "RetryTimes", "RetryTimeout",
	"RetrySpecified1", "WaitForBackupCompletion", "BackupCompetitionWaitingPeriodMin", "OptionsDaily", "Kind",
	"Days", "Time", "TimeOffsetUtc", "Enabled", "OptionsMonthly", "DayNumberInMonth", "DayOfWeek",
	"OptionsPeriodically", "FullPeriod", "OptionsDaisyChaining", "PreviousJobUid", "Links", "Href",
	"BackupJobInfo", "FileCopyJobInfo", "ReplicaJobInfo", "BackupCopyJobInfo", "ImmediateBackupCopyJobInfo",
	"Includes", "SimpleRetentionPolicy", "RetainCycles", "RetainDaysToKeep", "RetainLimitType", "OptionsContinuous"}

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

// xStructured writes a structured property of a described kind.
func xStructured(b []byte, ind int, base, elem string, v any) []byte {
	if j, ok := v.(*emcdp.Job); ok {
		switch elem {
		case "JobScheduleOptions":
			return xJobSchedule(b, ind, j)
		case "JobInfo":
			return xJobInfo(b, ind, base, j)
		}
	}
	return b
}

// jStructured writes the value of a structured property after its key.
func jStructured(b []byte, ks *keys, micro bool, base, elem string, v any) []byte {
	jk := jobKeys[0]
	if micro {
		jk = jobKeys[1]
	}
	if j, ok := v.(*emcdp.Job); ok {
		switch elem {
		case "JobScheduleOptions":
			return jJobSchedule(b, jk, j)
		case "JobInfo":
			return jJobInfo(b, ks, jk, base, j)
		}
	}
	return append(b, "null"...)
}

// timeOfDay is the local start time "HH:mm:ss.0000000+00:00" (XML) of a
// daily or monthly schedule; times are kept in UTC.
func timeOfDay(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04:05.0000000-07:00")
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// dailyDays returns the weekdays of a daily schedule.
func dailyDays(s *emcdp.JobSchedule) []time.Weekday {
	switch s.DailyKind {
	case "WeekDays":
		return []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	case "SelectedDays":
		return s.DailyDays
	}
	return []time.Weekday{0, 1, 2, 3, 4, 5, 6}
}

func xEnabledOpen(b []byte, ind int, elem string, on bool) []byte {
	b = xOpen(b, ind, elem)
	b = xAttr(b, "Enabled", boolText(on))
	return append(b, '>')
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// xJobSchedule writes JobScheduleOptions: Standart, or ImmediateCopyMode for
// an immediate copy job.
func xJobSchedule(b []byte, ind int, j *emcdp.Job) []byte {
	s := &j.Schedule
	b = xStart(b, ind, "JobScheduleOptions", false)
	in := ind + 1
	if j.JobType == emcdp.JobImmediateBackupCopy {
		b = xStart(b, in, "ImmediateCopyMode", false)
		b = append(xAttr(xOpen(b, in+1, "OptionsContinuous"), "Enabled", "true"), " />"...)
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
	b = xEnabledOpen(b, o, "OptionsDaily", s.Kind == emcdp.ScheduleDaily)
	b = xString(b, o+1, "Kind", orDefault(s.DailyKind, "Everyday"))
	for _, d := range dailyDays(s) {
		b = xString(b, o+1, "Days", weekdays[d])
	}
	b = xString(b, o+1, "Time", timeOfDay(s.At))
	b = xInt(b, o+1, "TimeOffsetUtc", 0)
	b = xClose(b, o, "OptionsDaily")
	b = xEnabledOpen(b, o, "OptionsMonthly", s.Kind == emcdp.ScheduleMonthly)
	b = xString(b, o+1, "Time", timeOfDay(s.At))
	b = xInt(b, o+1, "TimeOffsetUtc", 0)
	b = xString(b, o+1, "DayNumberInMonth", orDefault(s.DayNumberInMonth, "First"))
	b = xString(b, o+1, "DayOfWeek", weekdays[s.DayOfWeek%7])
	b = xClose(b, o, "OptionsMonthly")
	b = xEnabledOpen(b, o, "OptionsPeriodically", s.Kind == emcdp.SchedulePeriodically)
	b = xString(b, o+1, "Kind", "Minutes")
	b = xInt(b, o+1, "FullPeriod", int64(s.PeriodMinutes))
	b = xClose(b, o, "OptionsPeriodically")
	b = xEnabledOpen(b, o, "OptionsDaisyChaining", s.Kind == emcdp.ScheduleDaisyChaining)
	if s.Kind == emcdp.ScheduleDaisyChaining {
		b = xUID(b, o+1, "PreviousJobUid", kindOf(emcdp.KindJob), s.PreviousJobID)
	} else {
		b = xString(b, o+1, "PreviousJobUid", "")
	}
	b = xClose(b, o, "OptionsDaisyChaining")
	b = xClose(b, in, "Standart")
	return xClose(b, ind, "JobScheduleOptions")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

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
	if j.JobType != emcdp.JobImmediateBackupCopy {
		b = xObjectsInJob(b, in+1, "Includes", base, kindOf(emcdp.KindJob).coll, j.ID, j.Includes)
		b = xGuest(b, in+1, &j.Guest)
	}
	if j.JobType == emcdp.JobBackup || j.JobType == emcdp.JobBackupCopy {
		b = xStart(b, in+1, "SimpleRetentionPolicy", false)
		b = xInt(b, in+2, "RetainCycles", int64(j.Retention.RetainCycles))
		b = xInt(b, in+2, "RetainDaysToKeep", int64(j.Retention.RetainDaysToKeep))
		b = xString(b, in+2, "RetainLimitType", orDefault(j.Retention.RetainLimitType, "Cycles"))
		b = xClose(b, in+1, "SimpleRetentionPolicy")
	}
	b = xClose(b, in, elem)
	return xClose(b, ind, "JobInfo")
}

// jJobSchedule writes the JobScheduleOptions object.
func jJobSchedule(b []byte, jk map[string]string, j *emcdp.Job) []byte {
	s := &j.Schedule
	b = append(b, '{')
	if j.JobType == emcdp.JobImmediateBackupCopy {
		b = jNull(b, jk["Standart"])
		b = append(jKey(b, jk["ImmediateCopyMode"]), '{')
		b = append(jKey(b, jk["OptionsContinuous"]), '{')
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
		at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(s.At).Format("2006-01-02T15:04:05")
		b = append(jKey(b, jk["OptionsDaily"]), '{')
		b = jString(b, jk["Kind"], orDefault(s.DailyKind, "Everyday"))
		b = append(jKey(b, jk["Days"]), '[')
		for _, d := range dailyDays(s) {
			b = appendJSONString(jSep(b), weekdays[d])
		}
		b = append(b, ']')
		b = jString(b, jk["Time"], at)
		b = jInt(b, jk["TimeOffsetUtc"], 0)
		b = jBool(b, jk["Enabled"], s.Kind == emcdp.ScheduleDaily)
		b = append(b, '}')
		b = append(jKey(b, jk["OptionsMonthly"]), '{')
		b = jString(b, jk["Time"], at)
		b = jInt(b, jk["TimeOffsetUtc"], 0)
		b = jString(b, jk["DayNumberInMonth"], orDefault(s.DayNumberInMonth, "First"))
		b = jString(b, jk["DayOfWeek"], weekdays[s.DayOfWeek%7])
		b = jBool(b, jk["Enabled"], s.Kind == emcdp.ScheduleMonthly)
		b = append(b, '}')
		b = append(jKey(b, jk["OptionsPeriodically"]), '{')
		b = jString(b, jk["Kind"], "Minutes")
		b = jInt(b, jk["FullPeriod"], int64(s.PeriodMinutes))
		b = jBool(b, jk["Enabled"], s.Kind == emcdp.SchedulePeriodically)
		b = append(b, '}')
		b = append(jKey(b, jk["OptionsDaisyChaining"]), '{')
		if s.Kind == emcdp.ScheduleDaisyChaining {
			b = jUID(b, jk["PreviousJobUid"], kindOf(emcdp.KindJob), s.PreviousJobID)
		} else {
			b = jString(b, jk["PreviousJobUid"], "")
		}
		b = jBool(b, jk["Enabled"], s.Kind == emcdp.ScheduleDaisyChaining)
		b = append(b, '}', '}')
		b = jNull(b, jk["ImmediateCopyMode"])
	}
	b = jNull(b, jk["Links"])
	b = jString(b, jk["Href"], "")
	return append(b, '}')
}

// jJobInfo writes the JobInfo object: all members present, the unused
// ones null.
func jJobInfo(b []byte, ks *keys, jk map[string]string, base string, j *emcdp.Job) []byte {
	elem := jobInfoElem(j.JobType)
	b = append(b, '{')
	for _, m := range []string{"BackupJobInfo", "FileCopyJobInfo", "ReplicaJobInfo", "BackupCopyJobInfo", "ImmediateBackupCopyJobInfo"} {
		if m != elem {
			b = jNull(b, jk[m])
			continue
		}
		b = append(jKey(b, jk[m]), '{')
		if j.JobType != emcdp.JobImmediateBackupCopy {
			b = append(jKey(b, jk["Includes"]), '{')
			b = jObjectsInJob(b, ks, base, kindOf(emcdp.KindJob).coll, j.ID, j.Includes)
			b = append(b, '}')
			b = jGuest(b, ks, &j.Guest)
		}
		if j.JobType == emcdp.JobBackup || j.JobType == emcdp.JobBackupCopy {
			b = append(jKey(b, jk["SimpleRetentionPolicy"]), '{')
			b = jInt(b, jk["RetainCycles"], int64(j.Retention.RetainCycles))
			b = jInt(b, jk["RetainDaysToKeep"], int64(j.Retention.RetainDaysToKeep))
			b = jString(b, jk["RetainLimitType"], orDefault(j.Retention.RetainLimitType, "Cycles"))
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// Includes writes the includes of a job (GET /jobs/{id}/includes).
func (e Encoder) Includes(dst []byte, base string, k emcdp.Kind, ownerID emcdp.ID, v []emcdp.ObjectInJob) []byte {
	coll := kindOf(k).coll
	dst = e.begin(dst)
	if e.json() {
		dst = append(dst, '{')
		dst = jObjectsInJob(dst, e.keys(), base, coll, ownerID, v)
		dst = append(dst, '}')
	} else {
		dst = xObjectsInJob(dst, 0, "ObjectsInJob", base, coll, ownerID, v)
	}
	return e.end(dst)
}

// Include writes one included object of a job (GET /jobs/{id}/includes/{oid}).
func (e Encoder) Include(dst []byte, base string, k emcdp.Kind, ownerID emcdp.ID, v *emcdp.ObjectInJob) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	coll := kindOf(k).coll
	dst = e.begin(dst)
	if e.json() {
		dst = jObjectInJob(dst, e.keys(), base, coll, ownerID, v)
	} else {
		dst = xObjectInJob(dst, 0, base, coll, ownerID, v)
	}
	return e.end(dst)
}
