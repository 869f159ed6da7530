package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// JobsConfig describes the regular VBR world beside CDP: how many jobs a
// generated backup server runs, how often runs go wrong and scripted problems
// on declared jobs. Zero fields take the defaults.
type JobsConfig struct {
	// PerServer is the number of backup jobs of each generated backup
	// server (default 8, at most 500; negative: no jobs at all). Immediate
	// copy jobs (for about 15 % of them) and replica jobs (0–10 %) come on
	// top. Ignored for declared servers, which declare their jobs.
	PerServer int
	// VMsPerJob fixes the VMs per generated backup job; 0 draws a
	// log-normal spread with median VMsMedian (default 8) clamped to 1…50.
	VMsPerJob int
	VMsMedian int

	// WarningRate and FailureRate are the shares of scheduled runs that end
	// Warning and Failed (defaults 0.07 and 0.05; each 0–0.5, together at
	// most 0.5). Problems come in episodes of a few runs on the same VMs.
	WarningRate float64
	FailureRate float64
	// RetrySuccess is the chance that a retry processes all its VMs
	// successfully (default 0.6); a retry that does not fails again on
	// each VM with 0.7, on one at least.
	RetrySuccess float64

	// Episodes are scripted problems on declared jobs; errors count them
	// from 1 in this order.
	Episodes []JobEpisode
}

// RepositorySpec declares one backup repository of a server. Every server
// also has its "Default Backup Repository" (WindowsLocal, about 100 GiB),
// which a spec of that name replaces.
type RepositorySpec struct {
	Name string
	// Kind is the repository kind: WindowsLocal, LinuxLocal, DDBoost,
	// Extendable, CifsShare, Nfs, HPStoreOnce, ExaGrid, Quantum, or an
	// object storage kind (AmazonS3Compatible, AmazonS3, AzureBlob), which
	// reports Capacity = FreeSpace = -1.
	Kind string
	// CapacityGiB is the capacity; 0 sizes it from the data its jobs keep,
	// so that it ends up 10–90 % free (or nearly full with NearFull).
	CapacityGiB int64
	// OtherUsePercent is the static share of the capacity used by other
	// data (0: drawn between 5 and 30).
	OtherUsePercent int
	// NearFull sizes an automatically sized repository so that it is about
	// 96 % full once its jobs' chains have grown to their retention.
	NearFull bool
}

// JobSpec declares one job of a server.
type JobSpec struct {
	Name        string
	Type        emcdp.JobType // JobBackup, JobImmediateBackupCopy or JobReplica
	Description string
	// Repository is the target repository's name: for a backup job the
	// first declared non-object repository (else the default one), for a
	// copy job the first object storage one (else another repository).
	// Replica jobs have none.
	Repository string
	// Schedule: Continuous starts the next run the moment the previous
	// ends, so one of its sessions is always running; EveryMinutes > 0 runs periodically on a grid of that period
	// shifted by At; otherwise daily at At (UTC) on Days (all days when
	// empty). Immediate copy jobs ignore it: they copy each source run.
	Continuous   bool
	EveryMinutes int
	At           time.Duration
	Days         []time.Weekday
	// FullDay is the weekday of the weekly synthetic full ("" Saturday);
	// "none" makes the job forever-forward incremental.
	FullDay      string
	RetainCycles int // restore points kept per VM (default 7)
	RetryTimes   int // default 3; negative: no retries
	RetryMinutes int // RetryTimeout, default 10
	Concurrency  int // VMs processed at once (default 4)
	Disabled     bool
	// VMs are the VMs a backup or replica job processes. A replica job may
	// name a VM of a backup job of the same server (without sizes).
	VMs []VMSpec
	// Sources are the backup jobs an immediate copy job copies.
	Sources []string
}

// JobEpisode is a scripted problem on a declared job: every run of Job
// (retries included) that starts in the episode ends with Result on the
// chosen VMs. The episode covers From…To, or with Weekdays every run that
// starts on one of those UTC weekdays (between From and To when given).
type JobEpisode struct {
	Job      string
	Result   emcdp.Result // Warning or Failed
	Reason   string       // default: a reason that fits Result
	VMs      []string     // the VMs that fail; default: the first VMCount
	VMCount  int          // default 1
	From, To time.Time
	Weekdays []time.Weekday
}

// Defaults of the regular VBR world.
const (
	defaultJobsPerServer = 8
	defaultJobVMsMedian  = 8
	maxJobVMs            = 50
	defaultRetainCycles  = 7
)

// objectKinds are the repository kinds that report no capacity.
var objectKinds = map[string]bool{"AmazonS3Compatible": true, "AmazonS3": true, "AzureBlob": true, "SanSnapshot": true}

// repoKinds are the accepted repository kinds.
var repoKinds = []string{"WindowsLocal", "LinuxLocal", "CifsShare", "DDBoost", "Cloud", "HPStoreOnce", "ExaGrid",
	"Foreign", "HPStoreOnceIntegration", "Extendable", "Quantum", "Nfs", "AmazonS3Compatible", "AmazonS3", "AzureBlob"}

// defaultRepoName is the repository every backup server has.
const defaultRepoName = "Default Backup Repository"

// normalizeJobs fills the job defaults and checks the declared jobs.
func (c *Config) normalizeJobs() error {
	j := &c.Jobs
	if j.WarningRate == 0 && j.FailureRate == 0 {
		j.WarningRate, j.FailureRate = 0.07, 0.05
	}
	if j.RetrySuccess == 0 {
		j.RetrySuccess = 0.6
	}
	for _, r := range []struct {
		name string
		v    float64
		max  float64
	}{{"Jobs.WarningRate", j.WarningRate, 0.5}, {"Jobs.FailureRate", j.FailureRate, 0.5}, {"Jobs.RetrySuccess", j.RetrySuccess, 1}} {
		if r.v < 0 || r.v > r.max || r.v != r.v {
			return fmt.Errorf("sim: %s must be between 0 and %g, got %g", r.name, r.max, r.v)
		}
	}
	if j.WarningRate+j.FailureRate > 0.5 {
		return fmt.Errorf("sim: Jobs.WarningRate + Jobs.FailureRate must not exceed 0.5, got %g", j.WarningRate+j.FailureRate)
	}
	if len(c.Catalog) == 0 {
		if j.PerServer == 0 {
			j.PerServer = defaultJobsPerServer
		}
		if j.VMsMedian == 0 {
			j.VMsMedian = defaultJobVMsMedian
		}
		switch {
		case j.PerServer > 500:
			return fmt.Errorf("sim: Jobs.PerServer must be at most 500 (negative for none), got %d", j.PerServer)
		case j.VMsPerJob < 0 || j.VMsPerJob > maxJobVMs:
			return fmt.Errorf("sim: Jobs.VMsPerJob must be 0 (a spread) or 1…%d, got %d", maxJobVMs, j.VMsPerJob)
		case j.VMsMedian < 1 || j.VMsMedian > maxJobVMs:
			return fmt.Errorf("sim: Jobs.VMsMedian must be 1…%d, got %d", maxJobVMs, j.VMsMedian)
		}
		if len(j.Episodes) > 0 {
			return fmt.Errorf("sim: job episodes need declared jobs (a Catalog)")
		}
		return nil
	}
	if err := c.checkJobs(); err != nil {
		return err
	}
	return c.checkAgents()
}

// checkJobs validates the declared repositories, jobs and job episodes.
func (c *Config) checkJobs() error {
	vms := map[string]bool{} // CDP VMs
	for _, s := range c.Catalog {
		for _, p := range s.Policies {
			for _, v := range p.VMs {
				vms[strings.ToLower(v.Name)] = true
			}
		}
	}
	jobs := map[string]*JobSpec{}
	for i := range c.Catalog {
		s := &c.Catalog[i]
		where := fmt.Sprintf("servers[%d]", i)
		repos := map[string]*RepositorySpec{strings.ToLower(defaultRepoName): {Name: defaultRepoName, Kind: "WindowsLocal"}}
		if len(s.Repositories) > 50 {
			return fmt.Errorf("sim: %s: %d repositories, at most 50", where, len(s.Repositories))
		}
		for k := range s.Repositories {
			r := &s.Repositories[k]
			where := fmt.Sprintf("%s.repositories[%d]", where, k)
			if strings.TrimSpace(r.Name) == "" {
				return fmt.Errorf("sim: %s: name is empty", where)
			}
			if _, dup := repos[strings.ToLower(r.Name)]; dup && !strings.EqualFold(r.Name, defaultRepoName) {
				return fmt.Errorf("sim: %s: repository %q is declared twice", where, r.Name)
			}
			if r.Kind == "" {
				r.Kind = "WindowsLocal"
			}
			if _, ok := emcdp.ParseEnum(repoKinds, r.Kind); !ok {
				return fmt.Errorf("sim: %s (%s): unknown kind %q; one of %s", where, r.Name, r.Kind, strings.Join(repoKinds, ", "))
			}
			if r.CapacityGiB < 0 || r.CapacityGiB > 1<<30 {
				return fmt.Errorf("sim: %s (%s): capacity %d GiB is out of range", where, r.Name, r.CapacityGiB)
			}
			if objectKinds[r.Kind] && (r.CapacityGiB != 0 || r.NearFull) {
				return fmt.Errorf("sim: %s (%s): object storage reports no capacity; drop capacityGiB and nearFull", where, r.Name)
			}
			if r.OtherUsePercent < 0 || r.OtherUsePercent > 90 {
				return fmt.Errorf("sim: %s (%s): otherUsePercent must be 0…90, got %d", where, r.Name, r.OtherUsePercent)
			}
			repos[strings.ToLower(r.Name)] = r
		}
		if len(s.Jobs) > 1000 {
			return fmt.Errorf("sim: %s: %d jobs, at most 1000", where, len(s.Jobs))
		}
		backupVMs := map[string]bool{}
		replicaVMs := map[string]bool{}
		for k := range s.Jobs {
			j := &s.Jobs[k]
			where := fmt.Sprintf("%s.jobs[%d]", where, k)
			if strings.TrimSpace(j.Name) == "" {
				return fmt.Errorf("sim: %s: name is empty", where)
			}
			if jobs[strings.ToLower(j.Name)] != nil {
				return fmt.Errorf("sim: %s: job %q is declared twice (job names are unique across the file)", where, j.Name)
			}
			jobs[strings.ToLower(j.Name)] = j
			if err := checkJob(j, repos); err != nil {
				return fmt.Errorf("sim: %s (%s): %w", where, j.Name, err)
			}
			for m, v := range j.VMs {
				where := fmt.Sprintf("%s.vms[%d]", where, m)
				key := strings.ToLower(v.Name)
				if strings.TrimSpace(v.Name) == "" || strings.ContainsAny(v.Name, "@") {
					return fmt.Errorf("sim: %s: VM name %q is empty or holds '@'", where, v.Name)
				}
				if vms[key] {
					return fmt.Errorf("sim: %s: VM %q is declared twice (a VM is in one CDP policy or one backup job)", where, v.Name)
				}
				for _, d := range v.DisksGiB {
					if d < 1 || d > 64*1024 {
						return fmt.Errorf("sim: %s (%s): disk size %d GiB is out of range 1…65536", where, v.Name, d)
					}
				}
				if len(v.DisksGiB) > 50 {
					return fmt.Errorf("sim: %s (%s): %d disks, a VM has at most 50", where, v.Name, len(v.DisksGiB))
				}
				switch j.Type {
				case emcdp.JobBackup:
					if backupVMs[key] {
						return fmt.Errorf("sim: %s: VM %q is in two backup jobs", where, v.Name)
					}
					backupVMs[key] = true
				case emcdp.JobReplica:
					if replicaVMs[key] {
						return fmt.Errorf("sim: %s: VM %q is in two replica jobs", where, v.Name)
					}
					replicaVMs[key] = true
				}
			}
		}
		// replica VMs may name backup VMs of this server; every other VM
		// name is taken for the rest of the file
		for k := range s.Jobs {
			j := &s.Jobs[k]
			for m, v := range j.VMs {
				key := strings.ToLower(v.Name)
				if j.Type == emcdp.JobReplica && backupVMs[key] && len(v.DisksGiB) > 0 {
					return fmt.Errorf("sim: %s.jobs[%d].vms[%d]: VM %q is sized by its backup job; give no disks here", where, k, m, v.Name)
				}
			}
		}
		for k := range backupVMs {
			vms[k] = true
		}
		for k := range replicaVMs {
			vms[k] = true
		}
		// sources of copy jobs: backup jobs of the same server
		names := map[string]*JobSpec{}
		for k := range s.Jobs {
			names[strings.ToLower(s.Jobs[k].Name)] = &s.Jobs[k]
		}
		for k := range s.Jobs {
			j := &s.Jobs[k]
			for _, src := range j.Sources {
				sj := names[strings.ToLower(src)]
				if sj == nil || sj.Type != emcdp.JobBackup {
					return fmt.Errorf("sim: %s.jobs[%d] (%s): source %q is not a backup job of this server", where, k, j.Name, src)
				}
			}
		}
	}
	for i := range c.Jobs.Episodes {
		e := &c.Jobs.Episodes[i]
		if err := e.check(jobs[strings.ToLower(e.Job)]); err != nil {
			return fmt.Errorf("sim: episode %d on job %q: %w", i+1, e.Job, err)
		}
	}
	return nil
}

// checkJob checks one declared job on its own.
func checkJob(j *JobSpec, repos map[string]*RepositorySpec) error {
	switch j.Type {
	case emcdp.JobBackup, emcdp.JobReplica:
		if len(j.VMs) < 1 || len(j.VMs) > maxJobVMs {
			return fmt.Errorf("a job processes 1…%d VMs, got %d", maxJobVMs, len(j.VMs))
		}
		if len(j.Sources) > 0 {
			return fmt.Errorf("only an immediate copy job has sources")
		}
	case emcdp.JobImmediateBackupCopy:
		if len(j.Sources) < 1 || len(j.VMs) > 0 {
			return fmt.Errorf("an immediate copy job names 1 or more source jobs and no VMs")
		}
	default:
		return fmt.Errorf("type must be Backup, ImmediateBackupCopy or Replica, got %s", j.Type)
	}
	if j.Repository != "" {
		if j.Type == emcdp.JobReplica {
			return fmt.Errorf("a replica job writes to datastores, not to a repository")
		}
		if repos[strings.ToLower(j.Repository)] == nil {
			return fmt.Errorf("unknown repository %q", j.Repository)
		}
	}
	switch {
	case j.EveryMinutes < 0 || j.EveryMinutes > 24*60 || (j.EveryMinutes > 0 && (24*60)%j.EveryMinutes != 0 && j.EveryMinutes%60 != 0):
		return fmt.Errorf("everyMinutes must divide a day or be whole hours up to 24 h, got %d", j.EveryMinutes)
	case j.Continuous && j.EveryMinutes > 0:
		return fmt.Errorf("a job runs continuously or periodically, not both")
	case j.At < 0 || j.At >= day:
		return fmt.Errorf("the start time of day must be within 00:00…23:59, got %v", j.At)
	case j.RetainCycles < 0 || j.RetainCycles > 999:
		return fmt.Errorf("retainCycles must be 1…999, got %d", j.RetainCycles)
	case j.RetryTimes > 100 || j.RetryMinutes < 0 || j.RetryMinutes > 24*60:
		return fmt.Errorf("retries: at most 100, timeout 0…1440 minutes")
	case j.Concurrency < 0 || j.Concurrency > 100:
		return fmt.Errorf("concurrency must be 1…100, got %d", j.Concurrency)
	}
	if j.FullDay != "" && !strings.EqualFold(j.FullDay, "none") {
		if _, ok := parseWeekday(j.FullDay); !ok {
			return fmt.Errorf("fullDay must be a weekday name or \"none\", got %q", j.FullDay)
		}
	}
	return nil
}

// check validates a job episode against its job.
func (e *JobEpisode) check(j *JobSpec) error {
	if j == nil {
		return fmt.Errorf("unknown job %q", e.Job)
	}
	if j.Type == emcdp.JobImmediateBackupCopy {
		return fmt.Errorf("episodes go on backup and replica jobs")
	}
	if e.Result != emcdp.ResultWarning && e.Result != emcdp.ResultFailed {
		return fmt.Errorf("result must be Warning or Failed, got %s", e.Result)
	}
	if len(e.Weekdays) == 0 && (e.From.IsZero() || e.To.IsZero()) {
		return fmt.Errorf("give from and to, or weekdays")
	}
	if !e.From.IsZero() && !e.To.IsZero() && !e.To.After(e.From) {
		return fmt.Errorf("to must be after from")
	}
	if e.VMCount < 0 || e.VMCount > len(j.VMs) || (len(e.VMs) > 0 && e.VMCount != 0) {
		return fmt.Errorf("vmCount must be 1…%d (the job's VMs), and not given together with vms", len(j.VMs))
	}
	for _, v := range e.VMs {
		found := false
		for _, x := range j.VMs {
			found = found || strings.EqualFold(x.Name, v)
		}
		if !found {
			return fmt.Errorf("VM %q is not in job %s", v, j.Name)
		}
	}
	return nil
}

// covers reports whether a run starting at t is in the episode.
func (e *JobEpisode) covers(t time.Time) bool {
	if !e.From.IsZero() && t.Before(e.From) || !e.To.IsZero() && !t.Before(e.To) {
		return false
	}
	if len(e.Weekdays) == 0 {
		return true
	}
	wd := t.UTC().Weekday()
	for _, d := range e.Weekdays {
		if d == wd {
			return true
		}
	}
	return false
}

// parseWeekday reads an English weekday name in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), s) || strings.EqualFold(d.String()[:3], s) {
			return d, true
		}
	}
	return 0, false
}
