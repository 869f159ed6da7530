package wire

import emcdp "github.com/emcdp/emcdp"

// CdpPolicy writes a CdpPolicy (GET /cdpPolicies/{id}); the entity carries
// the full PolicyScheduleOptions and CdpPolicyInfo with the policy's Includes.
func (e Encoder) CdpPolicy(dst []byte, base string, v *emcdp.CdpPolicy, r Rep) []byte {
	if v == nil {
		return e.nothing(dst)
	}
	return e.Resource(dst, base, emcdp.KindCdpPolicy, v, r)
}

// owner is the policy or job whose includes are written: its collection
// path and id make each item's Href; with links set (a CDP policy's
// /includes, actions.md §4.4), each item links Delete and Up to the owner's
// entity, Type upType and Name name.
type owner struct {
	coll   string
	id     emcdp.ID
	name   string
	upType string
	links  bool
}

// objectLinks fills a with the links of an included object, or returns none.
func objectLinks(a *[2]link, base string, o *owner, v *emcdp.ObjectInJob) []link {
	if !o.links {
		return nil
	}
	a[0] = link{rel: "Delete", base: base, path: o.coll, id: o.id, hasID: true, tail: "/includes/" + v.ID.String()}
	a[1] = idLink("Up", o.upType, o.name, base, o.coll, o.id, formatEntity)
	return a[:]
}

// xPolicySchedule writes a policy's PolicyScheduleOptions.
func xPolicySchedule(b []byte, in int, o *emcdp.CdpScheduleOptions) []byte {
	b = xStart(b, in, "PolicyScheduleOptions", false)
	b = xStart(b, in+1, "CdpReplica", false)
	c := in + 2
	b = xInt(b, c, "RecoveryPointObjectiveSeconds", int64(o.RPOSeconds))
	b = xInt(b, c, "RecoveryPointObjectiveMinutes", int64(o.RPOMinutes))
	b = xSchedule(b, c, "RPOSchedule", o.RPOScheduleEnabled, &o.RPOSchedule)
	b = xStart(b, c, "RPOReporting", false)
	b = xThreshold(b, c+1, "MarkAsWarning", o.WarnEnabled, o.WarnThresholdSecs, o.WarnThresholdMins)
	b = xThreshold(b, c+1, "MarkAsFailed", o.FailEnabled, o.FailThresholdSecs, o.FailThresholdMins)
	b = xClose(b, c, "RPOReporting")
	b = xInt(b, c, "ShortTermRetentionMinutes", int64(o.ShortTermRetMinutes))
	b = xInt(b, c, "ShortTermRetentionHours", int64(o.ShortTermRetHours))
	b = xInt(b, c, "LongTermRetentionHours", int64(o.LongTermRetHours))
	b = xInt(b, c, "LongTermRetentionKeepDays", int64(o.LongTermRetKeepDays))
	b = xSchedule(b, c, "LongTermRetentionSchedule", o.LongTermSchedEnable, &o.LongTermSchedule)
	b = xClose(b, in+1, "CdpReplica")
	return xClose(b, in, "PolicyScheduleOptions")
}

// xPolicyInfo writes a policy's CdpPolicyInfo: its Includes, without
// links, and its guest processing options.
func xPolicyInfo(b []byte, in int, base string, v *emcdp.CdpPolicy) []byte {
	b = xStart(b, in, "CdpPolicyInfo", false)
	b = xStart(b, in+1, "CdpReplicaPolicyInfo", false)
	b = xObjectsInJob(b, in+2, "Includes", base, &owner{coll: kPolicy.coll, id: v.ID}, v.Includes)
	b = xGuest(b, in+2, &v.Guest)
	b = xClose(b, in+1, "CdpReplicaPolicyInfo")
	return xClose(b, in, "CdpPolicyInfo")
}

// weekDays are the Day names of a TimePeriods element, Sunday first.
var weekDays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// appendDay appends one day of a schedule: 24 comma-separated values.
func appendDay(b []byte, hours *[24]uint8) []byte {
	for h, v := range hours {
		if h > 0 {
			b = append(b, ',')
		}
		b = appendInt(b, int64(v))
	}
	return b
}

// xSchedule writes an RPOSchedule or LongTermRetentionSchedule element.
func xSchedule(b []byte, ind int, name string, enabled bool, w *emcdp.WeekSchedule) []byte {
	b = xOpen(b, ind, name)
	b = append(b, ` Enabled="`...)
	b = appendBool(b, enabled)
	b = append(b, '"', '>')
	b = xStart(b, ind+1, "TimePeriods", false)
	for d := range w {
		b = xOpen(b, ind+2, "Day")
		b = xAttr(b, "Name", weekDays[d])
		b = append(b, '>')
		b = appendDay(b, &w[d])
		b = xLeafClose(b, "Day")
	}
	b = xClose(b, ind+1, "TimePeriods")
	return xClose(b, ind, name)
}

// xThreshold writes MarkAsWarning or MarkAsFailed.
func xThreshold(b []byte, ind int, name string, enabled bool, secs, mins int) []byte {
	b = xStart(b, ind, name, false)
	b = xBool(b, ind+1, "Enabled", enabled)
	b = xInt(b, ind+1, "RPOThresholdSeconds", int64(secs))
	b = xInt(b, ind+1, "RPOThresholdMinutes", int64(mins))
	return xClose(b, ind, name)
}

// xGuest writes GuestProcessingOptions; empty credential ids are written
// as empty elements.
func xGuest(b []byte, ind int, g *emcdp.GuestProcessingOptions) []byte {
	b = xStart(b, ind, "GuestProcessingOptions", false)
	b = xStart(b, ind+1, "VssSnapshotOptions", false)
	b = xString(b, ind+2, "VssSnapshotMode", g.VssSnapshotMode)
	b = xBool(b, ind+2, "IsCopyOnly", g.IsCopyOnly)
	b = xClose(b, ind+1, "VssSnapshotOptions")
	b = xString(b, ind+1, "WindowsCredentialsId", g.WindowsCredentialsID)
	b = xString(b, ind+1, "LinuxCredentialsId", g.LinuxCredentialsID)
	return xClose(b, ind, "GuestProcessingOptions")
}

// xObjectsInJob writes a list of ObjectInJob items in the element elem
// (ObjectsInJob at the root, Includes inside a policy).
func xObjectsInJob(b []byte, ind int, elem, base string, o *owner, v []emcdp.ObjectInJob) []byte {
	if len(v) == 0 {
		return xEmptyEnd(xOpen(b, ind, elem), ind == 0)
	}
	b = xStart(b, ind, elem, ind == 0)
	for i := range v {
		b = xObjectInJob(b, ind+1, base, o, &v[i])
	}
	return xClose(b, ind, elem)
}

// xObjectInJob writes one ObjectInJob: Href and Type attributes, then its
// links if its owner gives it any.
func xObjectInJob(b []byte, ind int, base string, o *owner, v *emcdp.ObjectInJob) []byte {
	const elem = "ObjectInJob"
	b = xOpen(b, ind, elem)
	b = append(b, ` Href="`...)
	b = appendObjectHref(b, appendXMLAttr, base, o.coll, o.id, v.ID)
	b = append(b, `" Type="ObjectInJob"`...)
	b = xOpenEnd(b, ind == 0)
	in := ind + 1
	var a [2]link
	b = xLinks(b, in, objectLinks(&a, base, o, v))
	b = xLeafOpen(b, in, "ObjectInJobId")
	b = v.ID.AppendTo(b)
	b = xLeafClose(b, "ObjectInJobId")
	b = xString(b, in, "HierarchyObjRef", v.HierarchyObjRef)
	b = xString(b, in, "Name", v.Name)
	b = xString(b, in, "DisplayName", v.DisplayName)
	b = xGuest(b, in, &v.Guest)
	return xClose(b, ind, elem)
}

// appendObjectHref appends {base}{coll}{policyID}/includes/{objectID}, coll
// being the owner's collection path, e.g. /cdpPolicies/.
func appendObjectHref(b []byte, esc func([]byte, string) []byte, base, coll string, policyID, objectID emcdp.ID) []byte {
	b = esc(b, base)
	b = append(b, coll...)
	b = policyID.AppendTo(b)
	b = append(b, "/includes/"...)
	return objectID.AppendTo(b)
}

// jPolicySchedule writes the value of a policy's PolicyScheduleOptions.
func jPolicySchedule(b []byte, ks *keys, o *emcdp.CdpScheduleOptions) []byte {
	b = append(b, '{')
	b = append(jKey(b, ks.CdpReplica), '{')
	b = jInt(b, ks.RecoveryPointObjectiveSeconds, int64(o.RPOSeconds))
	b = jInt(b, ks.RecoveryPointObjectiveMinutes, int64(o.RPOMinutes))
	b = jSchedule(b, ks, ks.RPOSchedule, o.RPOScheduleEnabled, &o.RPOSchedule)
	b = append(jKey(b, ks.RPOReporting), '{')
	b = jThreshold(b, ks, ks.MarkAsWarning, o.WarnEnabled, o.WarnThresholdSecs, o.WarnThresholdMins)
	b = jThreshold(b, ks, ks.MarkAsFailed, o.FailEnabled, o.FailThresholdSecs, o.FailThresholdMins)
	b = append(b, '}')
	b = jInt(b, ks.ShortTermRetentionMinutes, int64(o.ShortTermRetMinutes))
	b = jInt(b, ks.ShortTermRetentionHours, int64(o.ShortTermRetHours))
	b = jInt(b, ks.LongTermRetentionHours, int64(o.LongTermRetHours))
	b = jInt(b, ks.LongTermRetentionKeepDays, int64(o.LongTermRetKeepDays))
	b = jSchedule(b, ks, ks.LongTermRetentionSchedule, o.LongTermSchedEnable, &o.LongTermSchedule)
	return append(b, '}', '}')
}

// jPolicyInfo writes the value of a policy's CdpPolicyInfo.
func jPolicyInfo(b []byte, ks *keys, base string, v *emcdp.CdpPolicy) []byte {
	b = append(b, '{')
	b = append(jKey(b, ks.CdpReplicaPolicyInfo), '{')
	b = append(jKey(b, ks.Includes), '{')
	b = jObjectsInJob(b, ks, base, &owner{coll: kPolicy.coll, id: v.ID}, v.Includes)
	b = append(b, '}')
	b = jGuest(b, ks, &v.Guest)
	return append(b, '}', '}')
}

// jSchedule writes a schedule object: TimePeriods (its Days list, each day
// with its Value text and Name attribute), then the Enabled attribute.
func jSchedule(b []byte, ks *keys, key string, enabled bool, w *emcdp.WeekSchedule) []byte {
	b = append(jKey(b, key), '{')
	b = append(jKey(b, ks.TimePeriods), '{')
	b = append(jKey(b, ks.Days), '[')
	for d := range w {
		b = append(jSep(b), '{')
		b = append(jKey(b, ks.Value), '"')
		b = appendDay(b, &w[d])
		b = append(b, '"')
		b = jString(b, ks.Name, weekDays[d])
		b = append(b, '}')
	}
	b = append(b, ']', '}')
	b = jBool(b, ks.Enabled, enabled)
	return append(b, '}')
}

func jThreshold(b []byte, ks *keys, key string, enabled bool, secs, mins int) []byte {
	b = append(jKey(b, key), '{')
	b = jBool(b, ks.Enabled, enabled)
	b = jInt(b, ks.RPOThresholdSeconds, int64(secs))
	b = jInt(b, ks.RPOThresholdMinutes, int64(mins))
	return append(b, '}')
}

func jGuest(b []byte, ks *keys, g *emcdp.GuestProcessingOptions) []byte {
	b = append(jKey(b, ks.GuestProcessingOptions), '{')
	b = append(jKey(b, ks.VssSnapshotOptions), '{')
	b = jString(b, ks.VssSnapshotMode, g.VssSnapshotMode)
	b = jBool(b, ks.IsCopyOnly, g.IsCopyOnly)
	b = append(b, '}')
	b = jString(b, ks.WindowsCredentialsId, g.WindowsCredentialsID)
	b = jString(b, ks.LinuxCredentialsId, g.LinuxCredentialsID)
	return append(b, '}')
}

// jObjectsInJob writes the ObjectInJobs array property inside an open object.
func jObjectsInJob(b []byte, ks *keys, base string, o *owner, v []emcdp.ObjectInJob) []byte {
	b = append(jKey(b, ks.ObjectInJobs), '[')
	for i := range v {
		b = jObjectInJob(jSep(b), ks, base, o, &v[i])
	}
	return append(b, ']')
}

// jObjectInJob writes one ObjectInJob object: its elements, then Links
// (null when its owner gives it none), Href and Type.
func jObjectInJob(b []byte, ks *keys, base string, o *owner, v *emcdp.ObjectInJob) []byte {
	b = append(b, '{')
	b = append(jKey(b, ks.ObjectInJobId), '"')
	b = v.ID.AppendTo(b)
	b = append(b, '"')
	b = jString(b, ks.HierarchyObjRef, v.HierarchyObjRef)
	b = jString(b, ks.Name, v.Name)
	b = jString(b, ks.DisplayName, v.DisplayName)
	b = jGuest(b, ks, &v.Guest)
	var a [2]link
	b = jLinks(b, ks, objectLinks(&a, base, o, v))
	b = append(jKey(b, ks.Href), '"')
	b = appendObjectHref(b, appendJSONChars, base, o.coll, o.id, v.ID)
	b = append(b, '"')
	b = jString(b, ks.Type, "ObjectInJob")
	return append(b, '}')
}
