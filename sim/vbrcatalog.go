package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// vbrServer is the regular VBR world of one backup server: its repositories
// and jobs. It is one unit of a run, after the CDP policies.
type vbrServer struct {
	srv   *emcdp.BackupServer
	repos []*repoDef
	jobs  []*jobDef // declaration order; copy jobs included
}

// repoDef is one repository with its static use.
type repoDef struct {
	row      emcdp.Repository // FreeSpace is set when written
	object   bool             // Capacity = FreeSpace = -1
	other    int64            // bytes used by other data, static
	nearFull bool             // sized to run nearly full: jobs writing to it complain of space
}

// jobDef is one job with what its generator needs.
type jobDef struct {
	row          emcdp.Job // NextRun is set when written
	srv          *vbrServer
	repo         *repoDef // nil for replica jobs
	vms          []*jobVM // processing order
	incPoint     []int64  // per VM: the size of an incremental restore point
	incRead      []int64  // per VM: bytes an incremental run reads
	seed         uint64
	continuous   bool
	every        time.Duration // periodic runs
	at           time.Duration // daily start (or phase of the periodic grid)
	days         [7]bool       // daily: the weekdays it runs on
	fullDay      time.Weekday
	noFull       bool // forever-forward incremental
	cycles       int  // restore points kept per VM
	retryTimes   int
	retryTimeout time.Duration
	concurrency  int
	disabled     bool
	busy         float64   // multiplies the chance that an episode begins
	sources      []*jobDef // immediate copy: the jobs it copies
	copies       []*jobDef // backup: the immediate copy jobs copying it
	episodes     []jobEpisodeDef
	proxy, host  string // named in reasons
	datastore    string
}

// jobEpisodeDef is a scripted episode with its VMs resolved to indexes.
type jobEpisodeDef struct {
	ep  *JobEpisode
	vms map[int]bool
}

// jobVM is a VM processed by jobs; a VM in a backup and a replica job is
// one jobVM.
type jobVM struct {
	name   string
	ref    string // HierarchyObjRef
	size   int64  // provisioned
	used   int64  // read by a full
	full   int64  // size of a full restore point
	change float64
}

// Vocabulary of generated VBR worlds.
var (
	jobRoles = []struct{ code, human, vm, vss string }{
		{"SQL", "SQL", "sqlsrv", "RequireSuccess"},
		{"FILE", "Fileserver", "filesrv", "Disabled"},
		{"APP", "Application", "appsrv", "Disabled"},
		{"WEB", "Web", "websrv", "Disabled"},
		{"EXCH", "Exchange", "exchsrv", "RequireSuccess"},
		{"INF", "Infrastructure", "infsrv", "Disabled"},
		{"ORA", "Oracle", "orasrv", "RequireSuccess"},
		{"SAP", "SAP", "sapsrv", "RequireSuccess"},
		{"VDI", "VDI", "vdisrv", "Disabled"},
		{"DC", "Domain Controller", "dcsrv", "RequireSuccess"},
	}
	vmSizesGiB = []int{20, 40, 60, 80, 100, 100, 100, 127, 150, 200, 200, 256, 300, 500, 750, 1024, 2048}
	siteCodes  = []string{"DCH", "DCP", "EAST", "WEST", "NORTH", "SOUTH", "HQ", "DR"}
	users      = []string{`LAB\admin`, `CORP\svc_veeam`, `CORP\backupadmin`, `LAB\administrator`}
)

// generateJobs adds repositories and jobs to generated server specs.
func generateJobs(cfg Config, r *rand.Rand, specs []ServerSpec) {
	if cfg.Jobs.PerServer < 0 {
		return
	}
	roleCount := map[string]int{}
	names := map[string]bool{}
	unique := func(n string) string {
		base := n
		for i := 2; names[strings.ToLower(n)]; i++ {
			n = fmt.Sprintf("%s %02d", base, i)
			if strings.Contains(base, "_") {
				n = fmt.Sprintf("%s_%02d", base, i)
			}
		}
		names[strings.ToLower(n)] = true
		return n
	}
	for si := range specs {
		ss := &specs[si]
		site := siteCodes[si%len(siteCodes)]
		if si >= len(siteCodes) {
			site = fmt.Sprintf("%s%d", site, si/len(siteCodes)+1)
		}
		// repositories: the default one, 1–3 large ones, 0–2 object storage
		var large, object []string
		for k := range 1 + r.IntN(3) {
			var rs RepositorySpec
			switch x := r.Float64(); {
			case x < 0.3:
				rs = RepositorySpec{Name: fmt.Sprintf("DD_BOOST_%s_%02d", site, k+1), Kind: "DDBoost"}
			case x < 0.6:
				rs = RepositorySpec{Name: fmt.Sprintf("REPO_LNX_XFS_%s_%02d", site, k+1), Kind: "LinuxLocal"}
			case x < 0.8:
				rs = RepositorySpec{Name: fmt.Sprintf("Backup Repository %s %d", site, k+1), Kind: "WindowsLocal"}
			default:
				rs = RepositorySpec{Name: fmt.Sprintf("SOBR_%s_%02d", site, k+1), Kind: "Extendable"}
			}
			rs.NearFull = si == 0 && k == 0 && cfg.Jobs.PerServer >= 4
			ss.Repositories = append(ss.Repositories, rs)
			large = append(large, rs.Name)
		}
		for k := range r.IntN(3) {
			name := []string{"S3_WASABI_IMMUTABLE_", "MINIO_OBJECT_STORAGE_"}[k] + site
			ss.Repositories = append(ss.Repositories, RepositorySpec{Name: name, Kind: "AmazonS3Compatible"})
			object = append(object, name)
		}
		var backupVMs []string
		for range cfg.Jobs.PerServer {
			role := jobRoles[r.IntN(len(jobRoles))]
			j := JobSpec{Type: emcdp.JobBackup, Repository: large[r.IntN(len(large))]}
			if r.IntN(2) == 0 {
				j.Name = unique(fmt.Sprintf("BACKUP_%s_%s_VMW", site, role.code))
			} else {
				j.Name = unique(role.human + " Backup")
			}
			n := cfg.Jobs.VMsPerJob
			if n == 0 {
				n = int(math.Round(float64(cfg.Jobs.VMsMedian) * math.Exp(0.8*r.NormFloat64())))
				n = max(1, min(n, maxJobVMs))
			}
			for range n {
				roleCount[role.vm]++
				name := fmt.Sprintf("%s-%03d", role.vm, roleCount[role.vm])
				j.VMs = append(j.VMs, VMSpec{Name: name})
				backupVMs = append(backupVMs, name)
			}
			switch x := r.Float64(); {
			case x < 0.12:
				j.EveryMinutes = []int{60, 120, 180, 240}[r.IntN(4)]
				j.At = time.Duration(r.IntN(j.EveryMinutes/5)) * 5 * time.Minute
			default:
				h := []int{18, 19, 20, 21, 22, 22, 23, 23, 0, 1, 2}[r.IntN(11)]
				j.At = time.Duration(h)*time.Hour + time.Duration(r.IntN(4))*15*time.Minute
				if r.Float64() < 0.3 {
					j.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
				}
			}
			switch x := r.Float64(); {
			case x < 0.2:
				j.FullDay = "none"
			case x < 0.3:
				j.FullDay = time.Weekday(r.IntN(7)).String()
			}
			j.RetainCycles = 7 + r.IntN(8)
			if r.Float64() < 0.15 {
				j.RetryTimes, j.RetryMinutes = 2, 5
			}
			j.Concurrency = 2 + r.IntN(5)
			j.Disabled = r.Float64() < 0.035
			if r.IntN(3) > 0 {
				j.Description = fmt.Sprintf("Created by %s at %s.", users[r.IntN(len(users))],
					time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(800*day)))).Format("01/02/2006 15:04"))
			}
			ss.Jobs = append(ss.Jobs, j)
			// about 15 % of backup jobs have an immediate copy
			if r.Float64() < 0.15 {
				c := JobSpec{Type: emcdp.JobImmediateBackupCopy, Sources: []string{j.Name}}
				if len(object) > 0 {
					c.Repository = object[r.IntN(len(object))]
					c.Name = unique("COPY_" + strings.TrimPrefix(j.Name, "BACKUP_") + "_TO_S3")
				} else {
					c.Repository = large[(indexOf(large, j.Repository)+1)%len(large)]
					c.Name = unique(j.Name + " Copy")
				}
				c.RetainCycles = 7 + r.IntN(24)
				ss.Jobs = append(ss.Jobs, c)
			}
		}
		// replica jobs: 0–10 % of the backup jobs, 1–10 VMs each
		nrep := int(math.Round(float64(cfg.Jobs.PerServer) * 0.1 * r.Float64()))
		r.Shuffle(len(backupVMs), func(a, b int) { backupVMs[a], backupVMs[b] = backupVMs[b], backupVMs[a] })
		for k := 0; k < nrep && len(backupVMs) > 0; k++ {
			j := JobSpec{Type: emcdp.JobReplica, Name: unique(fmt.Sprintf("REPLICA_%s_TO_DR_%02d", site, k+1)),
				RetainCycles: 3 + r.IntN(5), Concurrency: 1 + r.IntN(4)}
			if r.Float64() < 0.6 {
				j.EveryMinutes = []int{60, 120, 180, 240}[r.IntN(4)]
				j.At = time.Duration(r.IntN(j.EveryMinutes/5)) * 5 * time.Minute
			} else {
				j.At = time.Duration(18+r.IntN(6)) * time.Hour
			}
			n := min(1+r.IntN(10), len(backupVMs))
			for _, v := range backupVMs[:n] {
				j.VMs = append(j.VMs, VMSpec{Name: v})
			}
			backupVMs = backupVMs[n:]
			ss.Jobs = append(ss.Jobs, j)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// buildVBR expands the repositories and jobs of specs (one per server of w)
// into w.vbr. It draws from its own stream, so the CDP catalogue does not
// depend on it.
func (w *world) buildVBR(specs []ServerSpec, r *rand.Rand) error {
	byName := map[string]*jobDef{}
	for si := range specs {
		ss := &specs[si]
		vs := &vbrServer{srv: &w.servers[si]}
		if len(ss.Jobs) == 0 && len(ss.Repositories) == 0 {
			continue
		}
		srvID, srvName := vs.srv.ID, vs.srv.Name
		repos := map[string]*repoDef{}
		specOf := map[*repoDef]RepositorySpec{}
		addRepo := func(rs RepositorySpec) {
			rd := &repoDef{row: emcdp.Repository{ID: newID(r), Name: rs.Name, BackupServerID: srvID,
				BackupServerName: srvName, Kind: rs.Kind}, object: objectKinds[rs.Kind]}
			if old := repos[strings.ToLower(rs.Name)]; old != nil {
				*old = *rd // a declared default repository replaces the implicit one
				rd = old
			} else {
				vs.repos = append(vs.repos, rd)
				repos[strings.ToLower(rs.Name)] = rd
			}
			specOf[rd] = rs
		}
		addRepo(RepositorySpec{Name: defaultRepoName, Kind: "WindowsLocal",
			CapacityGiB: int64(99 + r.IntN(30)), OtherUsePercent: 15 + r.IntN(10)})
		for _, rs := range ss.Repositories {
			addRepo(rs)
		}
		var firstDisk, firstObject *repoDef
		for _, rd := range vs.repos[1:] {
			if rd.object && firstObject == nil {
				firstObject = rd
			}
			if !rd.object && firstDisk == nil {
				firstDisk = rd
			}
		}
		vcenter := newID(r).String()
		moref := 2000 + r.IntN(200000)
		vmByName := map[string]*jobVM{}
		vmFor := func(v VMSpec) *jobVM {
			key := strings.ToLower(v.Name)
			if vm := vmByName[key]; vm != nil {
				return vm
			}
			vm := &jobVM{name: v.Name}
			disks := v.DisksGiB
			if len(disks) == 0 {
				disks = []int{vmSizesGiB[r.IntN(len(vmSizesGiB))]}
				if r.IntN(3) == 0 {
					disks = append(disks, vmSizesGiB[r.IntN(len(vmSizesGiB))])
				}
			}
			for _, d := range disks {
				vm.size += int64(d) * gib
			}
			vm.used = int64(float64(vm.size) * (0.4 + 0.3*r.Float64()))
			dedup := 1 + 5*math.Pow(r.Float64(), 3)
			vm.full = int64(float64(vm.used) / (dedup * (1.5 + r.Float64())))
			vm.change = 0.01 + 0.09*r.Float64()
			if r.Float64() < 0.05 {
				vm.change = 0.1 + 0.2*r.Float64() // busy database VMs
			}
			moref += 1 + r.IntN(400)
			vm.ref = fmt.Sprintf("urn:VMware:Vm:%s.vm-%d", vcenter, moref)
			vmByName[key] = vm
			return vm
		}
		// backup jobs size their VMs, which replica jobs may name
		for _, js := range ss.Jobs {
			if js.Type == emcdp.JobBackup {
				for _, v := range js.VMs {
					vmFor(v)
				}
			}
		}
		for ji := range ss.Jobs {
			js := &ss.Jobs[ji]
			j := &jobDef{srv: vs, seed: r.Uint64(), at: js.At, cycles: js.RetainCycles, retryTimes: js.RetryTimes,
				retryTimeout: time.Duration(js.RetryMinutes) * time.Minute, concurrency: js.Concurrency,
				disabled: js.Disabled, continuous: js.Continuous, every: time.Duration(js.EveryMinutes) * time.Minute,
				fullDay: time.Saturday}
			if j.cycles == 0 {
				j.cycles = defaultRetainCycles
			}
			if j.retryTimes == 0 {
				j.retryTimes = 3
			}
			j.retryTimes = max(j.retryTimes, 0)
			if j.retryTimeout == 0 {
				j.retryTimeout = 10 * time.Minute
			}
			if j.concurrency == 0 {
				j.concurrency = 4
			}
			switch {
			case strings.EqualFold(js.FullDay, "none"):
				j.noFull = true
			case js.FullDay != "":
				j.fullDay, _ = parseWeekday(js.FullDay)
			}
			for _, d := range js.Days {
				j.days[d] = true
			}
			if len(js.Days) == 0 {
				j.days = [7]bool{true, true, true, true, true, true, true}
			}
			j.busy = math.Exp(0.6*r.NormFloat64() - 0.18)
			n := 1 + si
			j.proxy = fmt.Sprintf("vbr-proxy%d%d.lab.local", n, 1+r.IntN(6))
			j.host = fmt.Sprintf("esx%d%02d.lab.local", n, 1+r.IntN(24))
			j.datastore = fmt.Sprintf("ds-prod-%d%02d", n, 1+r.IntN(12))
			row := emcdp.Job{ID: newID(r), Name: js.Name, BackupServerID: srvID, BackupServerName: srvName,
				JobType: js.Type, Platform: "VMware", Description: js.Description, ScheduleConfigured: true,
				ScheduleEnabled: !js.Disabled,
				Retention:       emcdp.JobRetention{RetainCycles: j.cycles, RetainDaysToKeep: 7, RetainLimitType: "Cycles"},
				Guest:           emcdp.GuestProcessingOptions{VssSnapshotMode: "Disabled"}}
			sched := emcdp.JobSchedule{RetryTimes: j.retryTimes, RetryTimeout: int(j.retryTimeout / time.Minute),
				RetrySpecified: j.retryTimes > 0, At: j.at, FullDay: j.fullDay, NoPeriodicFull: j.noFull,
				DailyKind: "Everyday"}
			switch {
			case js.Type == emcdp.JobImmediateBackupCopy || j.continuous:
				sched.Kind = emcdp.ScheduleContinuous
			case j.every > 0:
				sched.Kind, sched.PeriodMinutes, sched.Periods = emcdp.SchedulePeriodically, js.EveryMinutes, emcdp.FullWeek(1)
			default:
				sched.Kind = emcdp.ScheduleDaily
				if len(js.Days) > 0 {
					sched.DailyKind, sched.DailyDays = "SelectedDays", append([]time.Weekday(nil), js.Days...)
					if isWeekDays(j.days) {
						sched.DailyKind = "WeekDays"
					}
				}
			}
			row.Schedule = sched
			switch js.Type {
			case emcdp.JobBackup:
				j.repo = firstDisk
				if j.repo == nil {
					j.repo = vs.repos[0]
				}
			case emcdp.JobImmediateBackupCopy:
				row.Platform = "CustomPlatform"
				j.repo = firstObject
				if j.repo == nil {
					j.repo = firstDisk
				}
				if j.repo == nil {
					j.repo = vs.repos[0]
				}
			}
			if js.Repository != "" {
				j.repo = repos[strings.ToLower(js.Repository)]
			}
			if j.repo != nil {
				row.RepositoryID = j.repo.row.ID
			}
			role := ""
			for _, v := range js.VMs {
				vm := vmFor(v)
				j.vms = append(j.vms, vm)
				if role == "" {
					role = strings.TrimRight(strings.SplitN(vm.name, "-", 2)[0], "0123456789")
				}
			}
			for _, jr := range jobRoles {
				if jr.vm == role || strings.Contains(strings.ToUpper(js.Name), jr.code) {
					row.Guest.VssSnapshotMode = jr.vss
					break
				}
			}
			interval := day
			switch {
			case j.every > 0:
				interval = j.every
			case j.continuous:
				interval = time.Hour
			}
			for _, vm := range j.vms {
				read := float64(vm.used) * vm.change * float64(interval) / float64(day)
				j.incRead = append(j.incRead, int64(read))
				j.incPoint = append(j.incPoint, int64(read/((1+0.5*r.Float64())*(1.5+r.Float64()))))
				row.Includes = append(row.Includes, emcdp.ObjectInJob{ID: newID(r), PolicyID: row.ID, Name: vm.name,
					DisplayName: vm.name, HierarchyObjRef: vm.ref, Guest: row.Guest, TotalSize: vm.size})
			}
			sort.Slice(row.Includes, func(a, b int) bool {
				x, y := &row.Includes[a], &row.Includes[b]
				if x.Name != y.Name {
					return x.Name < y.Name
				}
				return string(x.ID[:]) < string(y.ID[:])
			})
			j.row = row
			vs.jobs = append(vs.jobs, j)
			byName[strings.ToLower(js.Name)] = j
		}
		for ji, js := range ss.Jobs {
			j := vs.jobs[ji]
			for _, src := range js.Sources {
				sj := byName[strings.ToLower(src)]
				j.sources = append(j.sources, sj)
				j.row.SourceJobIDs = append(j.row.SourceJobIDs, sj.row.ID)
				sj.copies = append(sj.copies, j)
			}
		}
		sizeRepos(vs, specOf, r)
		w.vbr = append(w.vbr, vs)
	}
	for i := range w.cfg.Jobs.Episodes {
		e := &w.cfg.Jobs.Episodes[i]
		j := byName[strings.ToLower(e.Job)]
		if j == nil {
			return fmt.Errorf("sim: episode %d on job %q: unknown job", i+1, e.Job)
		}
		d := jobEpisodeDef{ep: e, vms: map[int]bool{}}
		for k, vm := range j.vms {
			for _, name := range e.VMs {
				if strings.EqualFold(name, vm.name) {
					d.vms[k] = true
				}
			}
		}
		if len(e.VMs) == 0 {
			for k := range max(e.VMCount, 1) {
				d.vms[k] = true
			}
		}
		j.episodes = append(j.episodes, d)
	}
	return nil
}

func isWeekDays(d [7]bool) bool {
	return !d[time.Sunday] && !d[time.Saturday] && d[time.Monday] && d[time.Tuesday] && d[time.Wednesday] &&
		d[time.Thursday] && d[time.Friday]
}

// sizeRepos fixes each repository's capacity and static use. A repository
// sized automatically gets the capacity that leaves it 10–90 % free (about
// 4 % with NearFull) once its jobs' chains have reached their retention,
// estimated from the same point sizes the generator writes and the average
// length of the chains.
func sizeRepos(vs *vbrServer, specOf map[*repoDef]RepositorySpec, r *rand.Rand) {
	load := map[*repoDef]float64{}
	for _, j := range vs.jobs {
		if j.repo == nil || j.row.JobType == emcdp.JobReplica {
			continue
		}
		switch j.row.JobType {
		case emcdp.JobBackup:
			runsPerDay := 1.0
			if j.every > 0 {
				runsPerDay = float64(day) / float64(j.every)
			} else if j.continuous {
				runsPerDay = 24
			}
			// on average a forward chain holds the weeks its retention
			// spans plus half the week that completes the next full
			perWeek := 7 * runsPerDay
			fulls, incs := 1.0, float64(j.cycles)
			if !j.noFull {
				n := float64(j.cycles) + perWeek/2
				fulls, incs = n/perWeek, n-n/perWeek
			}
			for k, vm := range j.vms {
				load[j.repo] += fulls*float64(vm.full) + incs*float64(j.incPoint[k])
			}
		case emcdp.JobImmediateBackupCopy:
			for _, s := range j.sources {
				for k, vm := range s.vms {
					load[j.repo] += float64(vm.full) + float64(j.cycles)*float64(s.incPoint[k])
				}
			}
		}
	}
	for _, rd := range vs.repos {
		rs := specOf[rd]
		if rd.object {
			rd.row.Capacity, rd.row.FreeSpace = -1, -1
			continue
		}
		other := float64(rs.OtherUsePercent) / 100
		if rs.OtherUsePercent == 0 {
			other = 0.05 + 0.25*r.Float64()
		}
		capacity := float64(rs.CapacityGiB) * float64(gib)
		if capacity == 0 {
			free := 0.1 + 0.8*r.Float64()
			if rs.NearFull {
				free = 0.04
			}
			free = min(free, 0.95-other)
			capacity = load[rd] / (1 - other - free)
			if !rs.NearFull {
				capacity = max(capacity, float64(1<<40))
			}
			capacity = math.Ceil(max(capacity, 1)/float64(gib)) * float64(gib)
		}
		rd.nearFull = rs.NearFull
		rd.row.Capacity = int64(capacity)
		rd.other = int64(capacity * other)
		rd.row.FreeSpace = rd.row.Capacity - rd.other
	}
}

// nextSlot is the first scheduled start strictly after t; zero for jobs that
// run on no schedule (disabled, continuous, immediate copy).
func (j *jobDef) nextSlot(t time.Time) time.Time {
	if j.disabled || j.continuous || j.row.JobType == emcdp.JobImmediateBackupCopy {
		return time.Time{}
	}
	t = t.UTC()
	if j.every > 0 {
		s := t.Add(-j.at).Truncate(j.every).Add(j.at)
		for !s.After(t) {
			s = s.Add(j.every)
		}
		return s
	}
	d := t.Truncate(day)
	for i := range 9 {
		s := d.Add(time.Duration(i)*day + j.at)
		if s.After(t) && j.days[s.Weekday()] {
			return s
		}
	}
	return time.Time{} // no weekday selected: cannot happen for a checked spec
}

// jobAt returns the job row as it reads at t.
func (j *jobDef) jobAt(t time.Time) emcdp.Job {
	row := j.row
	row.Includes = append([]emcdp.ObjectInJob(nil), j.row.Includes...)
	row.SourceJobIDs = append([]emcdp.ID(nil), j.row.SourceJobIDs...)
	row.NextRun = j.nextSlot(t)
	return row
}
