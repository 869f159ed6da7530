// Package sim simulates CDP replication activity: it writes a realistic
// history of policy sessions and task sessions into an emcdp.Store, and then
// keeps the world moving on a Clock so that polling clients see sessions start,
// run and end.
//
// The world is a pure function of its Config, its start instant and the world
// events the writes recorded (actions.md §7, replayed at their instants; a clone
// event adds the job row it names, as the write stored it): every VM
// has its own seeded generator that yields its task sessions one after the
// other, and every policy rolls its sessions over every 24 hours. Writing the
// history and stepping live are the same operation (advance the generators from
// one instant to the next and write what changed), so the two cannot drift
// apart, and the same Config always yields the same rows, ids included.
//
// Progress is recorded in the store's Meta in the same transaction as the
// rows, so an interrupted seed or step continues where it stopped.
package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// Config describes a simulated world: either generated (Servers,
// PoliciesPerServer, VMsPerPolicy…) or declared (Catalog, as scenario files
// do), with its history length, result rates and scripted episodes.
type Config struct {
	// Seed drives every random choice; the same Seed gives the same world.
	Seed int64
	// Days of history written before now (default 7).
	Days int
	// Start, when set, fixes the instant the world starts instead of
	// now minus Days.
	Start time.Time

	// WarningRate and FailureRate are the shares of ended task sessions
	// that end with Warning and Failed (defaults 0.04 and 0.01). They come
	// in episodes that last a few task sessions on one VM.
	WarningRate float64
	FailureRate float64
	// RestartRate is the share of healthy task sessions cut short by a
	// replication restart (host maintenance) (default 0.01).
	RestartRate float64
	// NoRandomEpisodes turns random problems off: only scripted episodes
	// produce Warning and Failed sessions.
	NoRandomEpisodes bool

	// Servers, PoliciesPerServer and the VMs-per-policy spread describe a
	// generated catalogue; ignored when Catalog is set. VMsPerPolicy fixes
	// the count; otherwise counts follow a log-normal spread with median
	// VMsMedian (default 5) clamped to 1…VMsMax (default 50).
	Servers           int
	PoliciesPerServer int
	VMsPerPolicy      int
	VMsMedian         int
	VMsMax            int

	// Policy holds the settings of generated policies and the defaults of
	// declared ones.
	Policy PolicySettings

	// Catalog declares the servers, policies and VMs explicitly.
	Catalog []ServerSpec
	// Episodes are scripted problems; they override the random ones.
	Episodes []Episode

	// The regular VBR world (vbrconfig.go): generated jobs per server and
	// VMs per job, job result rates and scripted episodes on jobs.
	Jobs JobsConfig

	// BatchSize is the number of rows written per transaction (default
	// 4,000, and 50,000 in a bulk write to a BulkStore, where each commit
	// rewrites the primary-key pages it dirtied all over). It does not
	// change the data.
	BatchSize int
}

// PolicySettings are a CDP policy's RPO and retention settings. Zero fields
// take the product's defaults.
type PolicySettings struct {
	RPO                       time.Duration // 2 s … 60 min, default 15 s
	ShortTermRetentionHours   int           // default 4
	LongTermRetentionHours    int           // a new task session every this many hours, default 8
	LongTermRetentionKeepDays int           // default 7
	WarnPeriods               int           // RPO periods missed before Warning, default 2
	FailPeriods               int           // RPO periods missed before Failed, default 3
}

// ServerSpec declares one backup server and its policies.
type ServerSpec struct {
	Name        string
	Version     string // default 12.3.1.1139
	Description string
	Port        int // default 9392
	// Proxies is the number of backup proxies, only counted by the overview
	// report (default 3). Left out of the fingerprint when unset, so that
	// worlds seeded before it existed keep theirs and carry on.
	Proxies  int `json:",omitempty"`
	Policies []PolicySpec
	// Repositories and Jobs declare the server's regular VBR world; a
	// server declared without jobs runs none.
	Repositories []RepositorySpec
	Jobs         []JobSpec
	// Agents and NasJobs declare the server's agents and NAS jobs
	// (agents.go); a server declared without them has none.
	Agents  AgentsSpec
	NasJobs []NasJobSpec
}

// PolicySpec declares one CDP policy and the VMs it protects.
type PolicySpec struct {
	Name        string
	Description string
	Settings    PolicySettings // zero fields take Config.Policy's
	VMs         []VMSpec
}

// VMSpec declares one protected VM.
type VMSpec struct {
	Name     string
	DisksGiB []int // provisioned disk sizes; empty: chosen at random
}

// Episode is a scripted problem on one VM: between From and To the VM's
// replication runs in its own task session, which ends with Result and
// Reason. With Daily set only the UTC time of day of From and To counts and
// the episode repeats every day.
type Episode struct {
	VM     string
	Result emcdp.Result // Warning or Failed
	Reason string       // default: the RPO text that fits Result
	From   time.Time
	To     time.Time
	Daily  bool
}

// ErrConfigMismatch is returned when a store already holds a world made from
// a different Config. The store must be replaced (a fresh file) to seed it anew.
var ErrConfigMismatch = errors.New("sim: the store holds a world made from a different configuration")

const (
	day     = 24 * time.Hour
	gib     = int64(1) << 30
	maxDays = 3660
)

// Validate reports the first problem of c: a setting out of range, a name
// declared twice, an episode on an unknown VM, overlapping episodes.
func (c Config) Validate() error {
	n, err := c.normalize()
	if err != nil {
		return err
	}
	_, err = newWorld(n, time.Unix(0, 0))
	return err
}

// normalize returns a copy of c with defaults filled in, or an error naming
// the first bad setting.
func (c Config) normalize() (Config, error) {
	if c.Days == 0 {
		c.Days = 7
	}
	if c.Days < 0 || c.Days > maxDays {
		return c, fmt.Errorf("sim: Days must be 1…%d, got %d", maxDays, c.Days)
	}
	if !c.Start.IsZero() {
		c.Start = c.Start.UTC().Truncate(time.Second)
	}
	if c.WarningRate == 0 && c.FailureRate == 0 {
		c.WarningRate, c.FailureRate = 0.04, 0.01
	}
	if c.RestartRate == 0 {
		c.RestartRate = 0.01
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"WarningRate", c.WarningRate}, {"FailureRate", c.FailureRate}, {"RestartRate", c.RestartRate}} {
		if r.v < 0 || r.v > 0.5 || r.v != r.v {
			return c, fmt.Errorf("sim: %s must be between 0 and 0.5, got %g", r.name, r.v)
		}
	}
	if c.WarningRate+c.FailureRate > 0.5 {
		return c, fmt.Errorf("sim: WarningRate + FailureRate must not exceed 0.5, got %g", c.WarningRate+c.FailureRate)
	}
	var err error
	if c.Policy, err = c.Policy.withDefaults(PolicySettings{}); err != nil {
		return c, fmt.Errorf("sim: Policy: %w", err)
	}
	if len(c.Catalog) == 0 {
		if c.Servers == 0 {
			c.Servers = 1
		}
		if c.PoliciesPerServer == 0 {
			c.PoliciesPerServer = 3
		}
		if c.VMsMedian == 0 {
			c.VMsMedian = 5
		}
		if c.VMsMax == 0 {
			c.VMsMax = 50
		}
		switch {
		case c.Servers < 1 || c.Servers > 1000:
			return c, fmt.Errorf("sim: Servers must be 1…1000, got %d", c.Servers)
		case c.PoliciesPerServer < 1 || c.PoliciesPerServer > 100:
			return c, fmt.Errorf("sim: PoliciesPerServer must be 1…100 (the product's limit), got %d", c.PoliciesPerServer)
		case c.VMsPerPolicy < 0 || c.VMsPerPolicy > 50:
			return c, fmt.Errorf("sim: VMsPerPolicy must be 0 (a spread) or 1…50, got %d", c.VMsPerPolicy)
		case c.VMsMax < 1 || c.VMsMax > 50:
			return c, fmt.Errorf("sim: VMsMax must be 1…50, got %d", c.VMsMax)
		case c.VMsMedian < 1 || c.VMsMedian > c.VMsMax:
			return c, fmt.Errorf("sim: VMsMedian must be 1…VMsMax (%d), got %d", c.VMsMax, c.VMsMedian)
		}
	}
	if err := c.checkCatalog(); err != nil {
		return c, err
	}
	if err := c.normalizeJobs(); err != nil {
		return c, err
	}
	for i, e := range c.Episodes {
		if err := e.check(); err != nil {
			return c, fmt.Errorf("sim: episodes[%d] (%s): %w", i, e.VM, err)
		}
	}
	return c, nil
}

// withDefaults fills the zero fields of s from base, then from the product's
// defaults, and checks the ranges.
func (s PolicySettings) withDefaults(base PolicySettings) (PolicySettings, error) {
	pick := func(v, b, d int) int {
		if v != 0 {
			return v
		}
		if b != 0 {
			return b
		}
		return d
	}
	if s.RPO == 0 {
		s.RPO = base.RPO
	}
	if s.RPO == 0 {
		s.RPO = 15 * time.Second
	}
	s.ShortTermRetentionHours = pick(s.ShortTermRetentionHours, base.ShortTermRetentionHours, 4)
	s.LongTermRetentionHours = pick(s.LongTermRetentionHours, base.LongTermRetentionHours, 8)
	s.LongTermRetentionKeepDays = pick(s.LongTermRetentionKeepDays, base.LongTermRetentionKeepDays, 7)
	s.WarnPeriods = pick(s.WarnPeriods, base.WarnPeriods, 2)
	s.FailPeriods = pick(s.FailPeriods, base.FailPeriods, 3)
	switch {
	case s.RPO < 2*time.Second || s.RPO > time.Hour || s.RPO%time.Second != 0:
		return s, fmt.Errorf("RPO must be whole seconds between 2s and 60m, got %v", s.RPO)
	case s.ShortTermRetentionHours < 1 || s.ShortTermRetentionHours > 720:
		return s, fmt.Errorf("ShortTermRetentionHours must be 1…720, got %d", s.ShortTermRetentionHours)
	case s.LongTermRetentionHours < 1 || s.LongTermRetentionHours > 24:
		return s, fmt.Errorf("LongTermRetentionHours must be 1…24, got %d", s.LongTermRetentionHours)
	case s.LongTermRetentionKeepDays < 1 || s.LongTermRetentionKeepDays > 3650:
		return s, fmt.Errorf("LongTermRetentionKeepDays must be 1…3650, got %d", s.LongTermRetentionKeepDays)
	case s.WarnPeriods < 1 || s.WarnPeriods > 1000:
		return s, fmt.Errorf("WarnPeriods must be 1…1000, got %d", s.WarnPeriods)
	case s.FailPeriods <= s.WarnPeriods || s.FailPeriods > 1000:
		return s, fmt.Errorf("FailPeriods must be greater than WarnPeriods (%d) and at most 1000, got %d", s.WarnPeriods, s.FailPeriods)
	}
	return s, nil
}

// checkCatalog validates a declared catalogue: names present and unique, VM
// counts and disk sizes in range, settings valid.
func (c *Config) checkCatalog() error {
	servers := map[string]bool{}
	policies := map[string]bool{}
	vms := map[string]bool{}
	for i := range c.Catalog {
		s := &c.Catalog[i]
		where := fmt.Sprintf("servers[%d]", i)
		if strings.TrimSpace(s.Name) == "" {
			return fmt.Errorf("sim: %s: name is empty", where)
		}
		if servers[strings.ToLower(s.Name)] {
			return fmt.Errorf("sim: %s: server %q is declared twice", where, s.Name)
		}
		servers[strings.ToLower(s.Name)] = true
		if s.Port < 0 || s.Port > 65535 {
			return fmt.Errorf("sim: %s: port %d is out of range", where, s.Port)
		}
		if len(s.Policies) > 100 {
			return fmt.Errorf("sim: %s: %d policies, the product allows at most 100 per server", where, len(s.Policies))
		}
		for j := range s.Policies {
			p := &s.Policies[j]
			where := fmt.Sprintf("%s.policies[%d]", where, j)
			if strings.TrimSpace(p.Name) == "" {
				return fmt.Errorf("sim: %s: name is empty", where)
			}
			if policies[strings.ToLower(p.Name)] {
				return fmt.Errorf("sim: %s: policy %q is declared twice", where, p.Name)
			}
			policies[strings.ToLower(p.Name)] = true
			var err error
			if p.Settings, err = p.Settings.withDefaults(c.Policy); err != nil {
				return fmt.Errorf("sim: %s (%s): %w", where, p.Name, err)
			}
			if len(p.VMs) < 1 || len(p.VMs) > 50 {
				return fmt.Errorf("sim: %s (%s): a policy protects 1…50 VMs, got %d", where, p.Name, len(p.VMs))
			}
			for k, v := range p.VMs {
				where := fmt.Sprintf("%s.vms[%d]", where, k)
				if strings.TrimSpace(v.Name) == "" || strings.ContainsAny(v.Name, "@") {
					return fmt.Errorf("sim: %s: VM name %q is empty or holds '@'", where, v.Name)
				}
				if vms[strings.ToLower(v.Name)] {
					return fmt.Errorf("sim: %s: VM %q is declared twice (a VM belongs to at most one policy)", where, v.Name)
				}
				vms[strings.ToLower(v.Name)] = true
				if len(v.DisksGiB) > 50 {
					return fmt.Errorf("sim: %s (%s): %d disks, a VM has at most 50", where, v.Name, len(v.DisksGiB))
				}
				for _, d := range v.DisksGiB {
					if d < 1 || d > 64*1024 {
						return fmt.Errorf("sim: %s (%s): disk size %d GiB is out of range 1…65536", where, v.Name, d)
					}
				}
			}
		}
	}
	return nil
}

// fingerprint identifies the world a normalized Config makes. BatchSize is
// left out: it changes how the rows are written, not which.
func (c Config) fingerprint() (string, error) {
	c.BatchSize = 0
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sim: fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12]), nil
}
