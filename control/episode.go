package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/sim"
)

// EpisodeRequest is the body of POST /_emcdp/episodes: a problem that
// starts now on one CDP-protected VM (VM) or on a job's runs (Job), for
// Duration.
type EpisodeRequest struct {
	// VM names a VM of a CDP policy: its replication misses the RPO from
	// now for Duration, and its task session then ends with Result.
	VM string `json:"vm,omitempty"`
	// Job names a backup or replica job: its runs that start within the
	// episode end with Result on VMCount of its VMs (default 1), or on VMs.
	Job     string   `json:"job,omitempty"`
	VMs     []string `json:"vms,omitempty"`
	VMCount int      `json:"vmCount,omitempty"`
	// Result is Warning or Failed (default Failed).
	Result string `json:"result,omitempty"`
	// Reason is the text the sessions carry; empty: one that fits.
	Reason   string   `json:"reason,omitempty"`
	Duration Duration `json:"duration"`
}

// episodeLead is how far after now an episode starts: more than the pause
// the simulator leaves between a VM's task sessions.
const episodeLead = 3 * time.Second

// maxEpisode bounds an episode started through the control API.
const maxEpisode = 400 * 24 * time.Hour

// errEpisode marks an episode the world cannot take (a 400).
var errEpisode = errors.New("episode")

// MaxEpisodes bounds the episodes started through the control API since the
// world was last written anew (a reset or a scenario load): each one stays in
// the world's settings and makes every later rewrite of the world longer, so
// without a bound a client could grow them without end.
const MaxEpisodes = 100

// errTooManyEpisodes refuses an episode beyond MaxEpisodes (a 409).
var errTooManyEpisodes = fmt.Errorf("at most %d episodes are started between resets; reset the world or load a scenario to start more", MaxEpisodes)

// episode turns the request into the change of the world's settings it
// makes at now.
func (e *EpisodeRequest) episode(now time.Time) (func(*sim.Config), error) {
	if (e.VM == "") == (e.Job == "") {
		return nil, fmt.Errorf("%w: name either a vm or a job", errEpisode)
	}
	d := time.Duration(e.Duration)
	if d < time.Minute || d > maxEpisode {
		return nil, fmt.Errorf("%w: duration must be 1m to %v", errEpisode, maxEpisode)
	}
	res := emcdp.ResultFailed
	if e.Result != "" {
		i, ok := emcdp.ParseEnum(emcdp.ResultNames, e.Result)
		if !ok || (emcdp.Result(i) != emcdp.ResultWarning && emcdp.Result(i) != emcdp.ResultFailed) {
			return nil, fmt.Errorf("%w: result must be Warning or Failed", errEpisode)
		}
		res = emcdp.Result(i)
	}
	if len(e.Reason) > 1000 || len(e.VM) > 200 || len(e.Job) > 200 || len(e.VMs) > 50 {
		return nil, fmt.Errorf("%w: a name is at most 200 characters, a reason 1000, and at most 50 VMs", errEpisode)
	}
	// A few seconds on: the VM's running task session then ends (just
	// before the episode) after now, so the history up to now stays as it was.
	from := now.UTC().Truncate(time.Second).Add(episodeLead)
	to := from.Add(d)
	if e.VM != "" {
		return func(c *sim.Config) {
			c.Episodes = append(slices.Clone(c.Episodes), sim.Episode{VM: e.VM, Result: res, Reason: e.Reason, From: from, To: to})
		}, nil
	}
	return func(c *sim.Config) {
		c.Jobs.Episodes = append(slices.Clone(c.Jobs.Episodes), sim.JobEpisode{Job: e.Job, Result: res, Reason: e.Reason,
			VMs: e.VMs, VMCount: e.VMCount, From: from, To: to})
	}, nil
}

// StartEpisode adds the episode e to the world's settings from the world
// clock's present on and writes the world anew with it, keeping its start,
// so that the history before now is the one it was. API requests wait while
// it runs; a reset returns to the world the server started with. At most
// MaxEpisodes are started between resets (or scenario loads).
func (w *World) StartEpisode(ctx context.Context, e EpisodeRequest) error {
	w.gate.Lock()
	defer w.gate.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sim == nil {
		return fmt.Errorf("%w: the store holds no simulated world", errEpisode)
	}
	if w.episodes >= MaxEpisodes {
		return errTooManyEpisodes
	}
	now := w.cfg.Clock.Now()
	change, err := e.episode(now)
	if err != nil {
		return err
	}
	c := *w.sim
	c.Start = w.start // the fingerprint the live simulation checks is of these settings
	change(&c)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%w: %s", errEpisode, strings.TrimPrefix(err.Error(), "sim: "))
	}
	w.stopLocked()
	err = w.rebuild(ctx, &c, now, w.start, "")
	if err == nil {
		w.sim = &c
		w.episodes++
		w.log.Info("episode started", "vm", e.VM, "job", e.Job, "duration", time.Duration(e.Duration))
	}
	w.startLocked()
	return err
}
