package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// The scenario file format; SCENARIO.md documents it.
type scenarioFile struct {
	Seed           int64         `json:"seed"`
	Days           int           `json:"days"`
	Start          string        `json:"start"`
	Rates          *ratesJSON    `json:"rates"`
	RandomEpisodes *bool         `json:"randomEpisodes"`
	PolicyDefaults settingsJSON  `json:"policyDefaults"`
	Servers        []serverJSON  `json:"servers"`
	Episodes       []episodeJSON `json:"episodes"`
	JobRates       *jobRatesJSON `json:"jobRates"`
}

type jobRatesJSON struct {
	Warning      float64 `json:"warning"`
	Failure      float64 `json:"failure"`
	RetrySuccess float64 `json:"retrySuccess"`
}

type repositoryJSON struct {
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	CapacityGiB     int64  `json:"capacityGiB"`
	OtherUsePercent int    `json:"otherUsePercent"`
	NearFull        bool   `json:"nearFull"`
}

type jobJSON struct {
	Name                string   `json:"name"`
	Type                string   `json:"type"`
	Description         string   `json:"description"`
	Repository          string   `json:"repository"`
	At                  string   `json:"at"`
	Days                []string `json:"days"`
	EveryMinutes        int      `json:"everyMinutes"`
	Continuous          bool     `json:"continuous"`
	FullDay             string   `json:"fullDay"`
	RetainCycles        int      `json:"retainCycles"`
	RetryTimes          int      `json:"retryTimes"`
	RetryTimeoutMinutes int      `json:"retryTimeoutMinutes"`
	Concurrency         int      `json:"concurrency"`
	Disabled            bool     `json:"disabled"`
	VMs                 []vmJSON `json:"vms"`
	Sources             []string `json:"sources"`
}

type ratesJSON struct {
	Warning float64 `json:"warning"`
	Failure float64 `json:"failure"`
	Restart float64 `json:"restart"`
}

type settingsJSON struct {
	RPO                       string `json:"rpo"`
	ShortTermRetentionHours   int    `json:"shortTermRetentionHours"`
	LongTermRetentionHours    int    `json:"longTermRetentionHours"`
	LongTermRetentionKeepDays int    `json:"longTermRetentionKeepDays"`
	WarnAfterPeriods          int    `json:"warnAfterPeriods"`
	FailAfterPeriods          int    `json:"failAfterPeriods"`
}

type serverJSON struct {
	Name         string           `json:"name"`
	Version      string           `json:"version"`
	Description  string           `json:"description"`
	Port         int              `json:"port"`
	Proxies      int              `json:"proxies"`
	Policies     []policyJSON     `json:"policies"`
	Repositories []repositoryJSON `json:"repositories"`
	Jobs         []jobJSON        `json:"jobs"`
	Agents       *agentsJSON      `json:"agents"`
	NasJobs      []nasJobJSON     `json:"nasJobs"`
}

type agentsJSON struct {
	Computers int      `json:"computers"`
	Jobs      []string `json:"jobs"`
}

type nasJobJSON struct {
	Name   string `json:"name"`
	Shares int    `json:"shares"`
}

type policyJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	settingsJSON
	VMs []vmJSON `json:"vms"`
}

type vmJSON struct {
	Name     string `json:"name"`
	SizeGiB  int    `json:"sizeGiB"`
	DisksGiB []int  `json:"disksGiB"`
}

type episodeJSON struct {
	VM       string   `json:"vm"`
	Job      string   `json:"job"`
	Result   string   `json:"result"`
	Reason   string   `json:"reason"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Daily    bool     `json:"daily"`
	VMs      []string `json:"vms"`
	VMCount  int      `json:"vmCount"`
	Weekdays []string `json:"weekdays"`
}

// LoadScenario reads a scenario file (see SCENARIO.md) into a Config and
// validates it. Errors name the file and the offending entry.
func LoadScenario(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("scenario: %w", err)
	}
	cfg, err := ParseScenario(data)
	if err != nil {
		return Config{}, fmt.Errorf("scenario %s: %w", path, err)
	}
	return cfg, nil
}

// ParseScenario decodes and validates the JSON text of a scenario.
func ParseScenario(data []byte) (Config, error) {
	var f scenarioFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Config{}, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("unexpected text after the scenario object")
	}
	if len(f.Servers) == 0 {
		return Config{}, errors.New("no servers declared")
	}
	cfg := Config{Seed: f.Seed, Days: f.Days}
	if f.Start != "" {
		t, err := time.Parse(time.RFC3339, f.Start)
		if err != nil {
			return Config{}, fmt.Errorf("start: want an RFC 3339 time such as 2026-06-01T00:00:00Z, got %q", f.Start)
		}
		cfg.Start = t.UTC()
	}
	if f.Rates != nil {
		cfg.WarningRate, cfg.FailureRate, cfg.RestartRate = f.Rates.Warning, f.Rates.Failure, f.Rates.Restart
	}
	if f.RandomEpisodes != nil && !*f.RandomEpisodes {
		cfg.NoRandomEpisodes = true
	}
	var err error
	if cfg.Policy, err = f.PolicyDefaults.settings(); err != nil {
		return Config{}, fmt.Errorf("policyDefaults: %w", err)
	}
	for i, s := range f.Servers {
		ss := ServerSpec{Name: s.Name, Version: s.Version, Description: s.Description, Port: s.Port, Proxies: s.Proxies}
		for j, p := range s.Policies {
			ps := PolicySpec{Name: p.Name, Description: p.Description}
			if ps.Settings, err = p.settingsJSON.settings(); err != nil {
				return Config{}, fmt.Errorf("servers[%d].policies[%d] (%s): %w", i, j, p.Name, err)
			}
			for k, v := range p.VMs {
				vs := VMSpec{Name: v.Name, DisksGiB: v.DisksGiB}
				if v.SizeGiB != 0 {
					if len(v.DisksGiB) != 0 {
						return Config{}, fmt.Errorf("servers[%d].policies[%d].vms[%d] (%s): give sizeGiB or disksGiB, not both", i, j, k, v.Name)
					}
					vs.DisksGiB = []int{v.SizeGiB}
				}
				ps.VMs = append(ps.VMs, vs)
			}
			ss.Policies = append(ss.Policies, ps)
		}
		for _, r := range s.Repositories {
			ss.Repositories = append(ss.Repositories, RepositorySpec{Name: r.Name, Kind: r.Kind,
				CapacityGiB: r.CapacityGiB, OtherUsePercent: r.OtherUsePercent, NearFull: r.NearFull})
		}
		for j, jj := range s.Jobs {
			js, err := jj.job()
			if err != nil {
				return Config{}, fmt.Errorf("servers[%d].jobs[%d] (%s): %w", i, j, jj.Name, err)
			}
			ss.Jobs = append(ss.Jobs, js)
		}
		if s.Agents != nil {
			ss.Agents = AgentsSpec{Computers: s.Agents.Computers, Jobs: s.Agents.Jobs}
		}
		for _, n := range s.NasJobs {
			ss.NasJobs = append(ss.NasJobs, NasJobSpec{Name: n.Name, Shares: n.Shares})
		}
		cfg.Catalog = append(cfg.Catalog, ss)
	}
	if f.JobRates != nil {
		cfg.Jobs.WarningRate, cfg.Jobs.FailureRate = f.JobRates.Warning, f.JobRates.Failure
		cfg.Jobs.RetrySuccess = f.JobRates.RetrySuccess
	}
	for i, e := range f.Episodes {
		if e.Job != "" {
			ep, err := e.jobEpisode()
			if err != nil {
				return Config{}, fmt.Errorf("episodes[%d] (job %s): %w", i, e.Job, err)
			}
			cfg.Jobs.Episodes = append(cfg.Jobs.Episodes, ep)
			continue
		}
		if len(e.VMs) > 0 || e.VMCount != 0 || len(e.Weekdays) > 0 {
			return Config{}, fmt.Errorf("episodes[%d] (%s): vms, vmCount and weekdays go with job, not vm", i, e.VM)
		}
		ep, err := e.episode()
		if err != nil {
			return Config{}, fmt.Errorf("episodes[%d] (%s): %w", i, e.VM, err)
		}
		cfg.Episodes = append(cfg.Episodes, ep)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, errors.New(strings.TrimPrefix(err.Error(), "sim: "))
	}
	return cfg, nil
}

func (s settingsJSON) settings() (PolicySettings, error) {
	p := PolicySettings{
		ShortTermRetentionHours: s.ShortTermRetentionHours, LongTermRetentionHours: s.LongTermRetentionHours,
		LongTermRetentionKeepDays: s.LongTermRetentionKeepDays, WarnPeriods: s.WarnAfterPeriods, FailPeriods: s.FailAfterPeriods,
	}
	if s.RPO != "" {
		d, err := time.ParseDuration(s.RPO)
		if err != nil {
			return p, fmt.Errorf("rpo: want a duration such as 15s or 5m, got %q", s.RPO)
		}
		p.RPO = d
	}
	return p, nil
}

func (e episodeJSON) episode() (Episode, error) {
	ep := Episode{VM: e.VM, Reason: e.Reason, Daily: e.Daily}
	if e.VM == "" {
		return ep, errors.New("vm is required")
	}
	r, ok := emcdp.ParseEnum(emcdp.ResultNames, e.Result)
	if !ok || (emcdp.Result(r) != emcdp.ResultWarning && emcdp.Result(r) != emcdp.ResultFailed) {
		return ep, fmt.Errorf("result must be Warning or Failed, got %q", e.Result)
	}
	ep.Result = emcdp.Result(r)
	var err error
	if ep.From, err = parseWhen(e.From, e.Daily); err != nil {
		return ep, fmt.Errorf("from: %w", err)
	}
	if ep.To, err = parseWhen(e.To, e.Daily); err != nil {
		return ep, fmt.Errorf("to: %w", err)
	}
	return ep, ep.check()
}

// job converts a declared job.
func (j jobJSON) job() (JobSpec, error) {
	js := JobSpec{Name: j.Name, Description: j.Description, Repository: j.Repository, EveryMinutes: j.EveryMinutes,
		Continuous: j.Continuous, FullDay: j.FullDay, RetainCycles: j.RetainCycles, RetryTimes: j.RetryTimes,
		RetryMinutes: j.RetryTimeoutMinutes, Concurrency: j.Concurrency, Disabled: j.Disabled, Sources: j.Sources}
	switch j.Type {
	case "Backup", "":
		js.Type = emcdp.JobBackup
	case "ImmediateBackupCopy":
		js.Type = emcdp.JobImmediateBackupCopy
	case "Replica":
		js.Type = emcdp.JobReplica
	default:
		return js, fmt.Errorf("type must be Backup, ImmediateBackupCopy or Replica, got %q", j.Type)
	}
	if j.At != "" {
		t, err := parseWhen(j.At, true)
		if err != nil {
			return js, fmt.Errorf("at: %w", err)
		}
		js.At = timeOfDay(t)
	}
	for _, d := range j.Days {
		wd, ok := parseWeekday(d)
		if !ok {
			return js, fmt.Errorf("days: %q is not a weekday", d)
		}
		js.Days = append(js.Days, wd)
	}
	for k, v := range j.VMs {
		vs := VMSpec{Name: v.Name, DisksGiB: v.DisksGiB}
		if v.SizeGiB != 0 {
			if len(v.DisksGiB) != 0 {
				return js, fmt.Errorf("vms[%d] (%s): give sizeGiB or disksGiB, not both", k, v.Name)
			}
			vs.DisksGiB = []int{v.SizeGiB}
		}
		js.VMs = append(js.VMs, vs)
	}
	return js, nil
}

// jobEpisode converts an episode on a job.
func (e episodeJSON) jobEpisode() (JobEpisode, error) {
	ep := JobEpisode{Job: e.Job, Reason: e.Reason, VMs: e.VMs, VMCount: e.VMCount}
	if e.VM != "" || e.Daily {
		return ep, errors.New("an episode names a vm or a job, not both; job episodes repeat with weekdays, not daily")
	}
	r, ok := emcdp.ParseEnum(emcdp.ResultNames, e.Result)
	if !ok || (emcdp.Result(r) != emcdp.ResultWarning && emcdp.Result(r) != emcdp.ResultFailed) {
		return ep, fmt.Errorf("result must be Warning or Failed, got %q", e.Result)
	}
	ep.Result = emcdp.Result(r)
	var err error
	if e.From != "" {
		if ep.From, err = parseWhen(e.From, false); err != nil {
			return ep, fmt.Errorf("from: %w", err)
		}
	}
	if e.To != "" {
		if ep.To, err = parseWhen(e.To, false); err != nil {
			return ep, fmt.Errorf("to: %w", err)
		}
	}
	for _, d := range e.Weekdays {
		wd, ok := parseWeekday(d)
		if !ok {
			return ep, fmt.Errorf("weekdays: %q is not a weekday", d)
		}
		ep.Weekdays = append(ep.Weekdays, wd)
	}
	return ep, nil
}

// parseWhen reads an RFC 3339 instant, or for a daily episode a UTC time of
// day "HH:MM" or "HH:MM:SS".
func parseWhen(s string, daily bool) (time.Time, error) {
	if daily {
		for _, layout := range []string{"15:04", "15:04:05"} {
			if t, err := time.Parse(layout, s); err == nil {
				return time.Date(2000, 1, 1, t.Hour(), t.Minute(), t.Second(), 0, time.UTC), nil
			}
		}
		return time.Time{}, fmt.Errorf("want a UTC time of day such as 02:00 for a daily episode, got %q", s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2026-06-15T02:00:00Z, got %q", s)
	}
	return t.UTC(), nil
}

// jsonError adds the line and column to a decoding error.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
}
