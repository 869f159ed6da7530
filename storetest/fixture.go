package storetest

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/query"
)

// Dataset is a set of resources written to a store in one batch, kept to
// compute the expected answers.
type Dataset struct {
	Servers  []emcdp.BackupServer
	Policies []emcdp.CdpPolicy // Includes in the order the store returns them
	Sessions []emcdp.PolicySession
	Tasks    []emcdp.TaskSession

	Repositories []emcdp.Repository
	Jobs         []emcdp.Job // Includes in the order the store returns them
	JobSessions  []emcdp.JobSession
	JobTasks     []emcdp.JobTaskSession

	Backups         []emcdp.Backup
	BackupFiles     []emcdp.BackupFile
	RestorePoints   []emcdp.RestorePoint
	VmRestorePoints []emcdp.VmRestorePoint

	ProtectionGroups []emcdp.AgentProtectionGroup
	Computers        []emcdp.DiscoveredComputer
	NasJobs          []emcdp.NasJob // agent backup jobs are among Jobs
}

// Batch returns the batch that writes the dataset, with each policy's
// Includes shuffled so that the store must order them itself.
func (d *Dataset) Batch(r *rand.Rand) *emcdp.Batch {
	b := &emcdp.Batch{
		BackupServers:     slices.Clone(d.Servers),
		NewPolicySessions: slices.Clone(d.Sessions),
		NewTaskSessions:   slices.Clone(d.Tasks),

		Repositories:       slices.Clone(d.Repositories),
		NewJobSessions:     slices.Clone(d.JobSessions),
		NewJobTaskSessions: slices.Clone(d.JobTasks),
		Backups:            slices.Clone(d.Backups),
		BackupFiles:        slices.Clone(d.BackupFiles),
		RestorePoints:      slices.Clone(d.RestorePoints),
		VmRestorePoints:    slices.Clone(d.VmRestorePoints),
	}
	for _, j := range d.Jobs {
		j.Includes = slices.Clone(j.Includes)
		r.Shuffle(len(j.Includes), func(i, k int) { j.Includes[i], j.Includes[k] = j.Includes[k], j.Includes[i] })
		b.Jobs = append(b.Jobs, j)
	}
	d.agentBatch(b)
	for _, p := range d.Policies {
		p.Includes = slices.Clone(p.Includes)
		r.Shuffle(len(p.Includes), func(i, j int) { p.Includes[i], p.Includes[j] = p.Includes[j], p.Includes[i] })
		b.CdpPolicies = append(b.CdpPolicies, p)
	}
	return b
}

// Items returns the items of kind k as the in-memory reference takes them.
func (d *Dataset) Items(k emcdp.Kind) []any {
	if emcdp.DescOf(k) != nil {
		return d.describedItems(k)
	}
	var out []any
	switch k {
	case emcdp.KindBackupServer:
		for i := range d.Servers {
			out = append(out, &d.Servers[i])
		}
	case emcdp.KindCdpPolicy:
		for i := range d.Policies {
			out = append(out, &d.Policies[i])
		}
	case emcdp.KindCdpReplicaSession:
		for i := range d.Sessions {
			out = append(out, &d.Sessions[i])
		}
	case emcdp.KindCdpReplicaTaskSession:
		for i := range d.Tasks {
			out = append(out, &d.Tasks[i])
		}
	}
	return out
}

type seededReader struct{ r *rand.Rand }

func (s seededReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.r.Uint32())
	}
	return len(p), nil
}

func newID(r *rand.Rand) emcdp.ID {
	id, _ := emcdp.ReadID(seededReader{r})
	return id
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Base is the time around which datasets are made.
var Base = time.Date(2026, 6, 15, 6, 0, 0, 0, time.UTC)

// NewDataset makes a random dataset from seed: a few servers, policies,
// policy sessions and task sessions, with absent values, names that differ
// only by letter case, non-ASCII names and equal creation times.
func NewDataset(seed uint64, servers, policies, sessions, tasks int) *Dataset {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	d := &Dataset{}
	srvNames := []string{"vbr01.lab.local", "VBR01.lab.local", "vbr02.lab.local", "10.0.0.5", "Vbr-Ä.lab.local", "vbr_03"}
	descs := []string{"", "", "Main site", "main SITE", "DR site", "zeta", "Zeta"}
	for i := 0; i < servers; i++ {
		d.Servers = append(d.Servers, emcdp.BackupServer{
			ID: newID(r), Name: pick(r, srvNames), Description: pick(r, descs),
			Port: pick(r, []int{9392, 9392, 9393, 443}), Version: pick(r, []string{"12.3.1.1139", "12.1.0.2131", "13.0.0.4967"}),
			WcfPort: 9405 + i, VbrCertificateThumbprint: strings.ToUpper(strings.ReplaceAll(srvNames[i%len(srvNames)], ".", "")),
		})
	}
	polNames := []string{"CDP Tier-1 SQL", "cdp tier-1 sql", "CDP Web", "cdp-web", "Ärzte CDP", "CDP [lab]"}
	objNames := []string{"sql01", "SQL01", "web01", "Web02", "app-Ä", "dc01", "DC01"}
	for i := 0; i < policies; i++ {
		s := pick(r, d.Servers)
		p := emcdp.CdpPolicy{
			ID: newID(r), Name: pick(r, polNames), BackupServerID: s.ID, BackupServerName: s.Name,
			Platform: pick(r, []string{"VMware", "vCloud"}), Description: pick(r, descs),
			ScheduleConfigured: r.IntN(2) == 0, ScheduleEnabled: r.IntN(2) == 0,
			NextRun: Base.Add(time.Duration(r.IntN(48)) * time.Hour),
			Options: emcdp.DefaultCdpScheduleOptions(),
			Guest:   emcdp.GuestProcessingOptions{VssSnapshotMode: pick(r, []string{"Disabled", "RequireSuccess"}), IsCopyOnly: r.IntN(2) == 0},
		}
		p.Options.RPOSeconds = pick(r, []int{2, 15, 30})
		p.Options.RPOSchedule[r.IntN(7)][r.IntN(24)] = 0
		for j, n := 0, r.IntN(4); j < n; j++ {
			name := pick(r, objNames)
			p.Includes = append(p.Includes, emcdp.ObjectInJob{
				ID: newID(r), PolicyID: p.ID, Name: name, DisplayName: name,
				HierarchyObjRef: "urn:VMware:Vm:7f6b1c2e-1111-2222-3333-444455556666.vm-" + string(rune('1'+j)),
				Guest:           emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled", WindowsCredentialsID: pick(r, []string{"", "c1"})},
				TotalSize:       int64(1+r.IntN(64)) << 30,
			})
		}
		SortIncludes(p.Includes)
		d.Policies = append(d.Policies, p)
	}
	times := make([]time.Time, 0, 8)
	for i := 0; i < 8; i++ {
		times = append(times, emcdp.Ticks(Base.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour)))
	}
	msgs := []string{"", "", "RPO was not met for 3 consecutive periods", "rpo WAS not met for 3 consecutive periods", "CDP proxy px01 is unavailable"}
	for i := 0; i < sessions; i++ {
		p := pick(r, d.Policies)
		created := pick(r, times) // few distinct times: ties are common
		if r.IntN(3) == 0 {
			created = emcdp.Ticks(created.Add(time.Duration(r.Int64N(int64(time.Hour)))))
		}
		s := emcdp.PolicySession{
			ID: newID(r), Name: emcdp.SessionName(p.Name, created), PolicyID: p.ID, PolicyName: p.Name,
			BackupServerID: p.BackupServerID, BackupServerName: p.BackupServerName, CreationTime: created,
			State: emcdp.SessionState(r.IntN(len(emcdp.SessionStateNames))), Result: emcdp.Result(r.IntN(len(emcdp.ResultNames))),
			Progress: r.IntN(101), FailureMessage: pick(r, msgs), IsRetry: r.IntN(4) == 0,
		}
		if r.IntN(3) > 0 {
			s.EndTime = emcdp.Ticks(created.Add(time.Duration(r.Int64N(int64(24 * time.Hour)))))
		}
		d.Sessions = append(d.Sessions, s)
	}
	reasons := []string{"", "", "", "Disk resize detected, replication restarted", "disk RESIZE detected, replication restarted", "Target datastore ds1 is running out of free space"}
	vms := []string{"sql01", "SQL01", "Sql01", "web01", "web02", "app-Ä", "app-ä", "z"}
	sizes := []int64{0, 1 << 30, 17179869184, 17179869184, 1 << 40}
	for i := 0; i < tasks; i++ {
		s := pick(r, d.Sessions)
		created := s.CreationTime
		if r.IntN(2) == 0 {
			created = pick(r, times)
		}
		vm := pick(r, vms)
		t := emcdp.TaskSession{
			ID: newID(r), Name: emcdp.SessionName(vm, created), PolicySessionID: s.ID, PolicySessionName: s.Name,
			PolicyID: s.PolicyID, BackupServerID: s.BackupServerID, BackupServerName: s.BackupServerName,
			VmDisplayName: vm, CreationTime: created, State: emcdp.TaskState(r.IntN(len(emcdp.TaskStateNames))),
			Result: emcdp.Result(r.IntN(len(emcdp.ResultNames))), Reason: pick(r, reasons), TotalSize: pick(r, sizes),
		}
		if r.IntN(3) > 0 {
			t.EndTime = emcdp.Ticks(created.Add(time.Duration(r.Int64N(int64(8 * time.Hour)))))
		}
		d.Tasks = append(d.Tasks, t)
	}
	addVBR(r, d, policies, sessions, tasks)
	addBackups(r, d, sessions)
	addAgents(rand.New(rand.NewPCG(seed^0x5bd1e995, seed)), d, policies)
	d.fillRelated()
	return d
}

// SortIncludes orders a policy's objects as stores return them: by Name,
// compared case-insensitively, then by id.
func SortIncludes(objs []emcdp.ObjectInJob) {
	slices.SortStableFunc(objs, func(a, b emcdp.ObjectInJob) int {
		if c := query.CompareFold(a.Name, b.Name); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
}
