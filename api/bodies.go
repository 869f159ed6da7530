package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
)

// The shapes of the request bodies (actions.md §4.1, §4.3, §5.4), children
// in the entity's or the spec's order.

// Bounds of the free text of a write, which its task keeps with its
// parameters and its effect stores: without them a body of 1 MiB made
// each task, include or clone hold as much.
const (
	maxDescriptionChars = 1024 // a policy's or a cloned job's Description
	maxRefChars         = 1024 // an included VM's HierarchyObjRef
	maxNameChars        = 255  // a clone's FolderName, VmSuffix and JobFileName
)

func scheduleShape(name string) *shape {
	day := sAttrs(sLeaf("Day"), "Name")
	day.many, day.alias = true, "Days"
	return sAttrs(sGroup(name, sGroup("TimePeriods", day)), "Enabled")
}

func thresholdShape(name string) *shape {
	return sGroup(name, sLeaf("Enabled"), sLeaf("RPOThresholdSeconds"), sLeaf("RPOThresholdMinutes"))
}

var cdpPolicyShape = sGroup("CdpPolicy",
	sOpaque("Links"),
	sLeaf("PolicyType"), sLeaf("Platform"), sLeaf("Description"), sLeaf("ScheduleConfigured"),
	sLeaf("ScheduleEnabled"), sLeaf("NextRun"),
	sGroup("PolicyScheduleOptions", sGroup("CdpReplica",
		sLeaf("RecoveryPointObjectiveSeconds"), sLeaf("RecoveryPointObjectiveMinutes"),
		scheduleShape("RPOSchedule"),
		sGroup("RPOReporting", thresholdShape("MarkAsWarning"), thresholdShape("MarkAsFailed")),
		sLeaf("ShortTermRetentionMinutes"), sLeaf("ShortTermRetentionHours"),
		sLeaf("LongTermRetentionHours"), sLeaf("LongTermRetentionKeepDays"),
		scheduleShape("LongTermRetentionSchedule"))),
	sOpaque("CdpPolicyInfo"))

var guestShape = sGroup("GuestProcessingOptions",
	sGroup("VssSnapshotOptions", sLeaf("VssSnapshotMode"), sLeaf("IsCopyOnly"), sLeaf("UsePersistentGuestAgent")),
	sLeaf("WindowsCredentialsId"), sLeaf("LinuxCredentialsId"))

var includeShape = sGroup("CreateObjectInJobSpec",
	sLeaf("HierarchyObjRef"), sLeaf("HierarchyObjName"), sLeaf("Order"), guestShape)

var cloneShape = sGroup("JobCloneSpec",
	sGroup("BackupJobCloneInfo", sLeaf("JobName"), sLeaf("FolderName"), sLeaf("RepositoryUid"), sLeaf("Description")),
	sGroup("ReplicaJobCloneInfo", sLeaf("JobName"), sLeaf("VmSuffix"), sLeaf("Description")),
	sGroup("BackupCopyJobCloneInfo", sLeaf("JobName"), sLeaf("JobFileName"), sLeaf("RepositoryUid"), sLeaf("Description")),
	sGroup("ImmediateBackupCopyJobCloneInfo", sLeaf("JobName"), sLeaf("Description"), sLeaf("RepositoryUid"), sLeaf("JobFileName")))

// weekSchedule reads a schedule's TimePeriods: seven Day items, each day
// once, each 24 comma-separated digits allowed by digits.
func weekSchedule(n *node, digits string) (*emcdp.WeekSchedule, error) {
	tp := n.kid("TimePeriods")
	if tp == nil {
		return nil, nil
	}
	days := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	var w emcdp.WeekSchedule
	seen := [7]bool{}
	count := 0
	for _, d := range tp.kids {
		count++
		i := -1
		for j, name := range days {
			if strings.EqualFold(d.attrs["Name"], name) {
				i = j
			}
		}
		if i < 0 || seen[i] {
			return nil, fmt.Errorf("%s TimePeriods must hold each day Sunday…Saturday once, got Day '%s'", n.s.name, clip(d.attrs["Name"]))
		}
		seen[i] = true
		hours := strings.Split(strings.TrimSpace(d.text), ",")
		if len(hours) != 24 {
			return nil, fmt.Errorf("%s Day '%s' must hold 24 comma-separated values, got %d", n.s.name, days[i], len(hours))
		}
		for h, v := range hours {
			v = strings.TrimSpace(v)
			if len(v) != 1 || !strings.Contains(digits, v) {
				return nil, fmt.Errorf("%s Day '%s' hour %d must be one of %s, got '%s'", n.s.name, days[i], h, digits, clip(v))
			}
			w[i][h] = v[0] - '0'
		}
	}
	if count != 7 {
		return nil, fmt.Errorf("%s TimePeriods must hold exactly seven Day items, got %d", n.s.name, count)
	}
	return &w, nil
}

// parsePolicyEdit reads and validates the body of W1.
func parsePolicyEdit(c *call) (*action.PolicyEdit, error) {
	n, err := readBody(c, cdpPolicyShape)
	if err != nil {
		return nil, err
	}
	pe, err := policyEditOf(n)
	if err != nil {
		return nil, invalidBody(err.Error())
	}
	return pe, nil
}

func policyEditOf(n *node) (*action.PolicyEdit, error) {
	pe := &action.PolicyEdit{Description: strOf(n.kid("Description"))}
	if pe.Description != nil && len([]rune(*pe.Description)) > maxDescriptionChars {
		return nil, fmt.Errorf("Description must be at most %d characters, got %d", maxDescriptionChars, len([]rune(*pe.Description)))
	}
	var err error
	if pe.ScheduleConfigured, err = boolOf(n.kid("ScheduleConfigured")); err != nil {
		return nil, err
	}
	if pe.ScheduleEnabled, err = boolOf(n.kid("ScheduleEnabled")); err != nil {
		return nil, err
	}
	if pe.NextRun, err = timeOf(n.kid("NextRun")); err != nil {
		return nil, err
	}
	r := n.kid("PolicyScheduleOptions").kid("CdpReplica")
	if r == nil {
		return pe, nil
	}
	ints := []struct {
		name string
		dst  **int
	}{{"RecoveryPointObjectiveSeconds", &pe.RPOSeconds}, {"RecoveryPointObjectiveMinutes", &pe.RPOMinutes},
		{"ShortTermRetentionMinutes", &pe.ShortMinutes}, {"ShortTermRetentionHours", &pe.ShortHours},
		{"LongTermRetentionHours", &pe.LongHours}, {"LongTermRetentionKeepDays", &pe.LongKeepDays}}
	for _, f := range ints {
		if *f.dst, err = intOf(r.kid(f.name)); err != nil {
			return nil, err
		}
	}
	// Each pair is one value in two units: the one not sent is 0.
	zero := 0
	for _, pair := range [][2]**int{{&pe.RPOSeconds, &pe.RPOMinutes}, {&pe.ShortMinutes, &pe.ShortHours}} {
		if *pair[0] != nil && *pair[1] == nil {
			*pair[1] = &zero
		} else if *pair[1] != nil && *pair[0] == nil {
			*pair[0] = &zero
		}
	}
	for _, s := range []struct {
		name    string
		digits  string
		enabled **bool
		week    **emcdp.WeekSchedule
	}{{"RPOSchedule", "01", &pe.RPOScheduleEnabled, &pe.RPOSchedule},
		{"LongTermRetentionSchedule", "12", &pe.LongSchedEnabled, &pe.LongSchedule}} {
		sn := r.kid(s.name)
		if sn == nil {
			continue
		}
		if v, ok := sn.attrs["Enabled"]; ok {
			b, err := boolText(s.name+" Enabled", v)
			if err != nil {
				return nil, err
			}
			*s.enabled = &b
		}
		if *s.week, err = weekSchedule(sn, s.digits); err != nil {
			return nil, err
		}
	}
	rep := r.kid("RPOReporting")
	for _, t := range []struct {
		name string
		dst  *action.Threshold
	}{{"MarkAsWarning", &pe.Warn}, {"MarkAsFailed", &pe.Fail}} {
		tn := rep.kid(t.name)
		if tn == nil {
			continue
		}
		if t.dst.Enabled, err = boolOf(tn.kid("Enabled")); err != nil {
			return nil, err
		}
		if t.dst.Secs, err = intOf(tn.kid("RPOThresholdSeconds")); err != nil {
			return nil, err
		}
		if t.dst.Mins, err = intOf(tn.kid("RPOThresholdMinutes")); err != nil {
			return nil, err
		}
	}
	return pe, nil
}

// parseInclude reads and validates the body of W4 for a policy of platform.
func parseInclude(c *call, platform string) (*action.Include, error) {
	n, err := readBody(c, includeShape)
	if err != nil {
		return nil, err
	}
	in, err := includeOf(n, platform)
	if err != nil {
		return nil, invalidBody(err.Error())
	}
	return in, nil
}

func includeOf(n *node, platform string) (*action.Include, error) {
	in := &action.Include{}
	ref, name := n.kid("HierarchyObjRef"), n.kid("HierarchyObjName")
	if ref == nil {
		return nil, fmt.Errorf("HierarchyObjRef is required")
	}
	if name == nil {
		return nil, fmt.Errorf("HierarchyObjName is required")
	}
	in.HierarchyObjRef, in.HierarchyObjName = strings.TrimSpace(ref.text), name.text
	prefix := "urn:VMware:Vm:"
	if strings.EqualFold(platform, "vCloud") {
		prefix = "urn:vCloud:"
	}
	if len(in.HierarchyObjRef) <= len(prefix) || !strings.EqualFold(in.HierarchyObjRef[:len(prefix)], prefix) {
		return nil, fmt.Errorf("HierarchyObjRef must be a VM reference %s… for a %s policy, got '%s'", prefix, platform, clip(in.HierarchyObjRef))
	}
	if l := len([]rune(in.HierarchyObjRef)); l > maxRefChars {
		return nil, fmt.Errorf("HierarchyObjRef must be at most %d characters, got %d", maxRefChars, l)
	}
	if l := len([]rune(in.HierarchyObjName)); l < 1 || l > 255 {
		return nil, fmt.Errorf("HierarchyObjName must be 1 to 255 characters, got %d", l)
	}
	if o := n.kid("Order"); o != nil {
		if _, err := intOf(o); err != nil {
			return nil, err
		}
	}
	g := n.kid("GuestProcessingOptions")
	if g == nil {
		return in, nil
	}
	gp := &emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}
	if v := g.kid("VssSnapshotOptions"); v != nil {
		if m := v.kid("VssSnapshotMode"); m != nil {
			switch strings.TrimSpace(m.text) {
			case "RequireSuccess", "IgnoreFailures", "Disabled":
				gp.VssSnapshotMode = strings.TrimSpace(m.text)
			default:
				return nil, fmt.Errorf("VssSnapshotMode must be RequireSuccess, IgnoreFailures or Disabled, got '%s'", clip(m.text))
			}
		}
		b, err := boolOf(v.kid("IsCopyOnly"))
		if err != nil {
			return nil, err
		}
		if b != nil {
			gp.IsCopyOnly = *b
		}
		if _, err := boolOf(v.kid("UsePersistentGuestAgent")); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"WindowsCredentialsId", &gp.WindowsCredentialsID}, {"LinuxCredentialsId", &gp.LinuxCredentialsID}} {
		k := g.kid(f.name)
		if k == nil || strings.TrimSpace(k.text) == "" {
			continue
		}
		id, ok := emcdp.ParseID(strings.TrimSpace(k.text))
		if !ok {
			return nil, fmt.Errorf("%s must be a GUID or empty, got '%s'", f.name, clip(k.text))
		}
		if !id.IsZero() {
			*f.dst = id.String()
		}
	}
	in.Guest = gp
	return in, nil
}

// cloneInfo is the JobCloneSpec child each job type takes.
var cloneInfo = map[emcdp.JobType]string{
	emcdp.JobBackup: "BackupJobCloneInfo", emcdp.JobReplica: "ReplicaJobCloneInfo",
	emcdp.JobBackupCopy: "BackupCopyJobCloneInfo", emcdp.JobImmediateBackupCopy: "ImmediateBackupCopyJobCloneInfo",
}

// parseClone reads and validates the body of W10 for job j.
func (h *Handler) parseClone(c *call, j *emcdp.Job) (*action.Clone, error) {
	n, err := readBody(c, cloneShape)
	if err != nil {
		return nil, err
	}
	want := cloneInfo[j.JobType]
	if len(n.kids) != 1 {
		return nil, invalidBody(fmt.Sprintf("JobCloneSpec must hold exactly one clone info element (%s for a %s job)", want, j.JobType))
	}
	k := n.kids[0]
	if k.s.name != want {
		return nil, invalidBody(fmt.Sprintf("%s does not clone a job of type %s; send %s", k.s.name, j.JobType, want))
	}
	cl := &action.Clone{Kind: k.s.name, Description: strOf(k.kid("Description"))}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"JobName", &cl.JobName}, {"FolderName", &cl.FolderName}, {"RepositoryUid", &cl.RepositoryUID},
		{"VmSuffix", &cl.VmSuffix}, {"JobFileName", &cl.JobFileName}} {
		if childIndex(k.s, f.name, false) < 0 {
			continue
		}
		v := k.kid(f.name)
		if v == nil || strings.TrimSpace(v.text) == "" {
			return nil, invalidBody(f.name + " is required")
		}
		*f.dst = strings.TrimSpace(v.text)
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"JobName", cl.JobName, 50}, {"FolderName", cl.FolderName, maxNameChars}, {"VmSuffix", cl.VmSuffix, maxNameChars},
		{"JobFileName", cl.JobFileName, maxNameChars}} {
		if l := len([]rune(f.v)); l > f.max {
			return nil, invalidBody(fmt.Sprintf("%s must be at most %d characters, got %d", f.name, f.max, l))
		}
	}
	if cl.Description != nil {
		if l := len([]rune(*cl.Description)); l > maxDescriptionChars {
			return nil, invalidBody(fmt.Sprintf("Description must be at most %d characters, got %d", maxDescriptionChars, l))
		}
	}
	if cl.RepositoryUID != "" {
		id, ok := emcdp.ParseID(strings.TrimPrefix(cl.RepositoryUID, "urn:veeam:Repository:"))
		if !ok || !strings.HasPrefix(cl.RepositoryUID, "urn:veeam:Repository:") {
			return nil, invalidBody(fmt.Sprintf("RepositoryUid must be urn:veeam:Repository:<guid>, got '%s'", clip(cl.RepositoryUID)))
		}
		v, err := h.store.Resource(c.ctx(), emcdp.KindRepository, id)
		if err != nil && !errors.Is(err, emcdp.ErrNotFound) {
			return nil, err // the store's fault, not the body's
		}
		if err != nil || v.(*emcdp.Repository).BackupServerID != j.BackupServerID {
			return nil, invalidBody(fmt.Sprintf("RepositoryUid '%s' names no repository of backup server %q", cl.RepositoryUID, j.BackupServerName))
		}
	}
	return cl, nil
}
