package wire

import emcdp "github.com/emcdp/emcdp"

// This file writes the structured elements of the agent and NAS jobs
// (monitoring.md §9): an agent backup job's JobInfo, which holds its
// includes (ObjectInAgentBackupJob, no HierarchyObjRef), guest processing
// and retention directly; and a NAS job's Includes (NASObject items) and
// StorageOptions. Their JobScheduleOptions are a Job's.

// agentKeyNames are the JSON property names of these elements.
var agentKeyNames = []string{"ObjectInAgentBackupJobs", "NASObjects", "FileOrFolder", "FileServerUid",
	"InclusionMask", "ExclusionMask", "Extensions", "StorageOptions", "BackupRepositoryUid",
	"ShorttermRetentionType", "ShorttermRetentionPeriod", "LongtermRetentionEnabled",
	"KeepFileVersionsHistoryOptions", "AdvancedStorageOptions", "ACL", "FileAttributesChangeTrackingMode"}

// agentKeys[profile][name] is the ready-to-append key of a name above.
var agentKeys = func() [2]map[string]string {
	var out [2]map[string]string
	for pr, conv := range [2]func(string) string{func(s string) string { return s }, CamelCase} {
		out[pr] = map[string]string{}
		for _, n := range agentKeyNames {
			out[pr][n] = `"` + conv(n) + `":`
		}
	}
	return out
}()

// scheduleOf returns the Job whose JobScheduleOptions a NAS job writes.
func scheduleOf(v *emcdp.NasJob) *emcdp.Job {
	return &emcdp.Job{JobType: emcdp.JobNasBackup, Schedule: v.Schedule, NextRun: v.NextRun}
}

// xNasStructured writes a structured element of a NAS job.
func xNasStructured(b []byte, ind int, base, elem string, v *emcdp.NasJob) []byte {
	switch elem {
	case "JobScheduleOptions":
		return xJobSchedule(b, ind, scheduleOf(v))
	case "Includes":
		return xNasObjects(b, ind, base, v)
	case "StorageOptions":
		return xNasStorage(b, ind, v)
	}
	return b
}

// jNasStructured writes the value of a structured element of a NAS job.
func jNasStructured(b []byte, ks *keys, micro bool, base, elem string, v *emcdp.NasJob) []byte {
	pr := 0
	if micro {
		pr = 1
	}
	switch elem {
	case "JobScheduleOptions":
		return jJobSchedule(b, jobKeys[pr], scheduleOf(v))
	case "Includes":
		return jNasObjects(b, ks, agentKeys[pr], base, v)
	case "StorageOptions":
		return jNasStorage(b, agentKeys[pr], v)
	}
	return append(b, "null"...)
}

func xNasObjects(b []byte, ind int, base string, v *emcdp.NasJob) []byte {
	const elem = "Includes"
	if len(v.Includes) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), false)
	}
	coll := kindOf(emcdp.KindNasJob).coll
	b = xStart(b, ind, elem, false)
	in := ind + 1
	for i := range v.Includes {
		b = xNasObject(b, in, base, coll, v.ID, &v.Includes[i])
	}
	return xClose(b, ind, elem)
}

// xNasObject writes one NASObject: Href and Type attributes, no links.
func xNasObject(b []byte, ind int, base, coll string, jobID emcdp.ID, o *emcdp.NasObject) []byte {
	b = xOpen(b, ind, "NASObject")
	b = append(b, ` Href="`...)
	b = appendObjectHref(b, appendXMLAttr, base, coll, jobID, o.ID)
	b = append(b, `" Type="NasObject"`...)
	b = xOpenEnd(b, ind == 0)
	m := ind + 1
	b = xString(b, m, "HierarchyObjRef", o.HierarchyObjRef)
	b = xLeafOpen(b, m, "ObjectInJobId")
	b = o.ID.AppendTo(b)
	b = xLeafClose(b, "ObjectInJobId")
	b = xString(b, m, "FileOrFolder", o.FileOrFolder)
	b = xString(b, m, "FileServerUid", o.FileServerUID)
	b = xMask(b, m, "InclusionMask", o.InclusionMask)
	b = xMask(b, m, "ExclusionMask", o.ExclusionMask)
	return xClose(b, ind, "NASObject")
}

func xMask(b []byte, ind int, elem string, exts []string) []byte {
	if len(exts) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), false)
	}
	b = xStart(b, ind, elem, false)
	for _, x := range exts {
		b = xString(b, ind+1, "Extension", x)
	}
	return xClose(b, ind, elem)
}

func xNasStorage(b []byte, ind int, v *emcdp.NasJob) []byte {
	const elem = "StorageOptions"
	b = xStart(b, ind, elem, false)
	in := ind + 1
	b = xUID(b, in, "BackupRepositoryUid", kindOf(emcdp.KindRepository), v.RepositoryID)
	b = xString(b, in, "ShorttermRetentionType", v.ShortTermRetentionType)
	b = xInt(b, in, "ShorttermRetentionPeriod", int64(v.ShortTermRetentionPeriod))
	b = xBool(b, in, "LongtermRetentionEnabled", v.LongTermRetentionEnabled)
	b = xStart(b, in, "AdvancedStorageOptions", false)
	b = xStart(b, in+1, "ACL", false)
	b = xString(b, in+2, "FileAttributesChangeTrackingMode", v.FileAttributesChangeTrackingMode)
	b = xClose(b, in+1, "ACL")
	b = xClose(b, in, "AdvancedStorageOptions")
	return xClose(b, ind, elem)
}

func jNasObjects(b []byte, ks *keys, ak map[string]string, base string, v *emcdp.NasJob) []byte {
	coll := kindOf(emcdp.KindNasJob).coll
	b = append(b, '{')
	b = append(jKey(b, ak["NASObjects"]), '[')
	for i := range v.Includes {
		b = jNasObject(jSep(b), ks, ak, base, coll, v.ID, &v.Includes[i])
	}
	return append(b, ']', '}')
}

// jNasObject writes one NASObject: its elements, then Links (null), Href
// and Type.
func jNasObject(b []byte, ks *keys, ak map[string]string, base, coll string, jobID emcdp.ID, o *emcdp.NasObject) []byte {
	b = append(b, '{')
	b = jString(b, ks.HierarchyObjRef, o.HierarchyObjRef)
	b = append(jKey(b, ks.ObjectInJobId), '"')
	b = o.ID.AppendTo(b)
	b = append(b, '"')
	b = jString(b, ak["FileOrFolder"], o.FileOrFolder)
	b = jString(b, ak["FileServerUid"], o.FileServerUID)
	b = jMask(b, ak, "InclusionMask", o.InclusionMask)
	b = jMask(b, ak, "ExclusionMask", o.ExclusionMask)
	b = jLinks(b, ks, nil)
	b = append(jKey(b, ks.Href), '"')
	b = appendObjectHref(b, appendJSONChars, base, coll, jobID, o.ID)
	b = append(b, '"')
	b = jString(b, ks.Type, "NasObject")
	return append(b, '}')
}

// NasObject writes one share of a NAS job (GET /nas/jobs/{id}/includes/{oid},
// the Href its job's entity writes for it).
func (e Encoder) NasObject(dst []byte, base string, jobID emcdp.ID, v *emcdp.NasObject) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	coll := kindOf(emcdp.KindNasJob).coll
	dst = e.begin(dst)
	if e.json() {
		ak := agentKeys[0]
		if e.Profile == V13 {
			ak = agentKeys[1]
		}
		dst = jNasObject(dst, e.keys(), ak, base, coll, jobID, v)
	} else {
		dst = xNasObject(dst, 0, base, coll, jobID, v)
	}
	return e.end(dst)
}

func jMask(b []byte, ak map[string]string, elem string, exts []string) []byte {
	b = append(jKey(b, ak[elem]), '{')
	b = append(jKey(b, ak["Extensions"]), '[')
	for _, x := range exts {
		b = appendJSONString(jSep(b), x)
	}
	return append(b, ']', '}')
}

// jNasStorage writes StorageOptions; KeepFileVersionsHistoryOptions is null
// while long-term retention is off, as the real reply writes it.
func jNasStorage(b []byte, ak map[string]string, v *emcdp.NasJob) []byte {
	b = append(b, '{')
	b = jUID(b, ak["BackupRepositoryUid"], kindOf(emcdp.KindRepository), v.RepositoryID)
	b = jString(b, ak["ShorttermRetentionType"], v.ShortTermRetentionType)
	b = jInt(b, ak["ShorttermRetentionPeriod"], int64(v.ShortTermRetentionPeriod))
	b = jBool(b, ak["LongtermRetentionEnabled"], v.LongTermRetentionEnabled)
	b = jNull(b, ak["KeepFileVersionsHistoryOptions"])
	b = append(jKey(b, ak["AdvancedStorageOptions"]), '{')
	b = append(jKey(b, ak["ACL"]), '{')
	b = jString(b, ak["FileAttributesChangeTrackingMode"], v.FileAttributesChangeTrackingMode)
	return append(b, '}', '}', '}')
}

// xAgentJobInfo writes an agent backup job's JobInfo.
func xAgentJobInfo(b []byte, ind int, base string, j *emcdp.Job) []byte {
	coll := kindOf(emcdp.KindAgentBackupJob).coll
	b = xStart(b, ind, "JobInfo", false)
	in := ind + 1
	if len(j.Includes) == 0 {
		b = xEmptyEnd(xOpen(b, in, "Includes"), false)
	} else {
		b = xStart(b, in, "Includes", false)
		for i := range j.Includes {
			b = xAgentObject(b, in+1, base, coll, j.ID, &j.Includes[i])
		}
		b = xClose(b, in, "Includes")
	}
	b = xGuest(b, in, &j.Guest)
	b = xRetention(b, in, j)
	return xClose(b, ind, "JobInfo")
}

// xAgentObject writes one ObjectInAgentBackupJob (a protection group or a
// computer of the job): Href and Type attributes, no HierarchyObjRef.
func xAgentObject(b []byte, ind int, base, coll string, jobID emcdp.ID, o *emcdp.ObjectInJob) []byte {
	const elem = "ObjectInAgentBackupJob"
	b = xOpen(b, ind, elem)
	b = append(b, ` Href="`...)
	b = appendObjectHref(b, appendXMLAttr, base, coll, jobID, o.ID)
	b = append(b, `" Type="ObjectInAgentBackupJob"`...)
	b = xOpenEnd(b, ind == 0)
	m := ind + 1
	b = xLeafOpen(b, m, "ObjectInJobId")
	b = o.ID.AppendTo(b)
	b = xLeafClose(b, "ObjectInJobId")
	b = xString(b, m, "Name", o.Name)
	b = xString(b, m, "DisplayName", o.DisplayName)
	b = xGuest(b, m, &o.Guest)
	return xClose(b, ind, elem)
}

// jAgentObject writes one ObjectInAgentBackupJob object: its elements, then
// Links (null), Href and Type.
func jAgentObject(b []byte, ks *keys, base, coll string, jobID emcdp.ID, o *emcdp.ObjectInJob) []byte {
	b = append(b, '{')
	b = append(jKey(b, ks.ObjectInJobId), '"')
	b = o.ID.AppendTo(b)
	b = append(b, '"')
	b = jString(b, ks.Name, o.Name)
	b = jString(b, ks.DisplayName, o.DisplayName)
	b = jGuest(b, ks, &o.Guest)
	b = jLinks(b, ks, nil)
	b = append(jKey(b, ks.Href), '"')
	b = appendObjectHref(b, appendJSONChars, base, coll, jobID, o.ID)
	b = append(b, '"')
	b = jString(b, ks.Type, "ObjectInAgentBackupJob")
	return append(b, '}')
}

// AgentObject writes one included object of an agent backup job (GET
// /agents/jobs/{id}/includes/{oid}, the Href its job's entity writes).
func (e Encoder) AgentObject(dst []byte, base string, jobID emcdp.ID, v *emcdp.ObjectInJob) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	coll := kindOf(emcdp.KindAgentBackupJob).coll
	dst = e.begin(dst)
	if e.json() {
		dst = jAgentObject(dst, e.keys(), base, coll, jobID, v)
	} else {
		dst = xAgentObject(dst, 0, base, coll, jobID, v)
	}
	return e.end(dst)
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

// jAgentJobInfo writes the value of an agent backup job's JobInfo.
func jAgentJobInfo(b []byte, ks *keys, jk, ak map[string]string, base string, j *emcdp.Job) []byte {
	coll := kindOf(emcdp.KindAgentBackupJob).coll
	b = append(b, '{')
	b = append(jKey(b, jk["Includes"]), '{')
	b = append(jKey(b, ak["ObjectInAgentBackupJobs"]), '[')
	for i := range j.Includes {
		b = jAgentObject(jSep(b), ks, base, coll, j.ID, &j.Includes[i])
	}
	b = append(b, ']', '}')
	b = jGuest(b, ks, &j.Guest)
	b = jRetention(b, jk, j)
	return append(b, '}')
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
