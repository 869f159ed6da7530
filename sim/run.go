package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp"
)

// Meta keys the simulator keeps in the store, written in the same
// transaction as the rows they describe.
const (
	// MetaFingerprint identifies the Config the world was made from.
	MetaFingerprint = "sim.fingerprint"
	// MetaStart is the instant the world starts (RFC 3339, UTC).
	MetaStart = "sim.start"
	// MetaUntil is the last instant the store reflects.
	MetaUntil = "sim.until"
	// MetaRun describes a run in progress: "from|to|policy|rows", from empty
	// for the first one; empty when no run is in progress.
	MetaRun = "sim.run"
)

// Seed writes the history of the world cfg describes, up to now, into st in
// batched transactions. On a store already holding this world it continues an
// interrupted seed and then brings the world up to now; a store holding a
// world from another Config yields ErrConfigMismatch. progress, when not nil,
// is told how many task sessions were written and about how many there will be.
func Seed(ctx context.Context, st emcdp.Store, cfg Config, now time.Time, progress func(done, total int)) error {
	r, err := newRunner(st, cfg)
	if err != nil {
		return err
	}
	return r.sync(ctx, now, progress)
}

// The default rows per transaction (Config.BatchSize): in a bulk write, and
// otherwise. On PostgreSQL, whose COPY gains nothing from larger batches,
// 50,000 seeded 20-30 % slower than 4,000 (measured).
const (
	bulkBatchSize = 50000
	batchSize     = 4000
)

// BulkStore is a store that writes a large insert faster when told where it
// begins and ends (the SQLite store: indexes built once at the end). The
// history of a fresh world, and the rest of it after an interruption, is
// written between BeginBulk and EndBulk. A store must stay correct, and
// complete its preparation on the next open or BeginBulk/EndBulk pair, when
// EndBulk never comes (the process was killed).
type BulkStore interface {
	BeginBulk(ctx context.Context) error
	EndBulk(ctx context.Context) error
}

// runner brings a store's world up to an instant. It keeps the policies'
// state between runs so that live steps cost only what changed.
type runner struct {
	st     emcdp.Store
	cfg    Config
	fp     string
	w      *world
	states []unit // valid at instant at
	at     time.Time

	rev    string                          // MetaWorldRev when events was read
	events map[emcdp.ID][]emcdp.WorldEvent // the writes' effects, by policy or job
	clones map[emcdp.ID]*emcdp.Job         // the jobs clone events made, as stored
}

// unit is one independently generated part of the world: a CDP policy, or
// one backup server's regular VBR world. A run advances them one after the
// other; the run cursor counts the rows of the current one.
type unit interface {
	advance(ctx context.Context, t2 time.Time, out *emitter, live bool) error
}

// units is the number of units: the policies, the VBR servers, then the
// servers' agents and NAS worlds.
func (r *runner) units() int { return len(r.w.policies) + len(r.w.vbr) + len(r.w.agents) }

// newUnit returns unit i at the world's start.
func (r *runner) newUnit(i int) unit {
	if i < len(r.w.policies) {
		p := r.w.policies[i]
		return newPolicyState(p, r.cfg, r.events[p.pol.ID])
	}
	if i -= len(r.w.policies); i < len(r.w.vbr) {
		return newVBRState(r.w.vbr[i], &r.cfg, r.w.start, r.events, r.clones)
	}
	return &agentState{as: r.w.agents[i-len(r.w.vbr)], start: r.w.start}
}

func newRunner(st emcdp.Store, cfg Config) (*runner, error) {
	if st == nil {
		return nil, errors.New("sim: no store")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	fp, err := cfg.fingerprint()
	if err != nil {
		return nil, err
	}
	return &runner{st: st, cfg: cfg, fp: fp}, nil
}

// runCursor is the decoded MetaRun.
type runCursor struct {
	from, to   time.Time
	unit, rows int
}

func (c runCursor) String() string {
	from := ""
	if !c.from.IsZero() {
		from = c.from.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s|%s|%d|%d", from, c.to.Format(time.RFC3339Nano), c.unit, c.rows)
}

func parseCursor(s string) (runCursor, error) {
	var c runCursor
	f := strings.Split(s, "|")
	if len(f) != 4 {
		return c, fmt.Errorf("sim: malformed %s %q in the store", MetaRun, s)
	}
	var err error
	if f[0] != "" {
		if c.from, err = time.Parse(time.RFC3339Nano, f[0]); err != nil {
			return c, fmt.Errorf("sim: malformed %s %q in the store: %w", MetaRun, s, err)
		}
	}
	if c.to, err = time.Parse(time.RFC3339Nano, f[1]); err != nil {
		return c, fmt.Errorf("sim: malformed %s %q in the store: %w", MetaRun, s, err)
	}
	if c.unit, err = strconv.Atoi(f[2]); err != nil || c.unit < 0 {
		return c, fmt.Errorf("sim: malformed %s %q in the store", MetaRun, s)
	}
	if c.rows, err = strconv.Atoi(f[3]); err != nil || c.rows < 0 {
		return c, fmt.Errorf("sim: malformed %s %q in the store", MetaRun, s)
	}
	return c, nil
}

// sync brings the store's world up to now: it starts the world on an empty
// store, finishes an interrupted run, then runs from the last simulated
// instant to now.
func (r *runner) sync(ctx context.Context, now time.Time, progress func(done, total int)) error {
	now = emcdp.Ticks(now)
	fp, err := r.st.Meta(ctx, MetaFingerprint)
	if err != nil {
		return fmt.Errorf("sim: reading the store's state: %w", err)
	}
	if fp == "" {
		return r.fresh(ctx, now, progress)
	}
	if fp != r.fp {
		return fmt.Errorf("%w (stored world %s, this configuration %s); seed into a new, empty store to start over",
			ErrConfigMismatch, fp, r.fp)
	}
	if r.w == nil {
		s, err := r.st.Meta(ctx, MetaStart)
		if err != nil {
			return fmt.Errorf("sim: reading the store's state: %w", err)
		}
		start, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("sim: malformed %s %q in the store: %w", MetaStart, s, err)
		}
		if r.w, err = newWorld(r.cfg, start); err != nil {
			return err
		}
	}
	if err := r.loadEvents(ctx); err != nil {
		return err
	}
	if s, err := r.st.Meta(ctx, MetaRun); err != nil {
		return fmt.Errorf("sim: reading the store's state: %w", err)
	} else if s != "" {
		c, err := parseCursor(s)
		if err != nil {
			return err
		}
		if err := r.run(ctx, c, progress); err != nil {
			return err
		}
	}
	s, err := r.st.Meta(ctx, MetaUntil)
	if err != nil {
		return fmt.Errorf("sim: reading the store's state: %w", err)
	}
	until, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sim: malformed %s %q in the store: %w", MetaUntil, s, err)
	}
	if !now.After(until) {
		return nil
	}
	return r.run(ctx, runCursor{from: until, to: now}, progress)
}

// fresh starts the world on an empty store: the catalogue and the run cursor
// go in one transaction, then the history up to now.
func (r *runner) fresh(ctx context.Context, now time.Time, progress func(done, total int)) error {
	res, err := r.st.Query(ctx, &emcdp.Query{Kind: emcdp.KindBackupServer, PageSize: 1, Page: 1})
	if err != nil {
		return fmt.Errorf("sim: reading the store: %w", err)
	}
	if res.Total > 0 {
		return fmt.Errorf("%w: the store holds backup servers that the simulator did not write; seed into a new, empty store",
			ErrConfigMismatch)
	}
	start := r.cfg.Start
	if start.IsZero() {
		start = now.Add(-time.Duration(r.cfg.Days) * day).Truncate(time.Second)
	}
	if r.w, err = newWorld(r.cfg, start); err != nil {
		return err
	}
	c := runCursor{to: now}
	b := &emcdp.Batch{
		BackupServers: r.w.servers,
		Meta: map[string]string{
			MetaFingerprint: r.fp,
			MetaStart:       start.Format(time.RFC3339Nano),
			MetaRun:         c.String(),
		},
	}
	for _, p := range r.w.policies {
		b.CdpPolicies = append(b.CdpPolicies, p.policyAt(now))
	}
	for _, vs := range r.w.vbr {
		for _, rd := range vs.repos {
			b.Repositories = append(b.Repositories, rd.row)
		}
		for _, j := range vs.jobs {
			b.Jobs = append(b.Jobs, j.jobAt(now))
		}
	}
	for _, as := range r.w.agents {
		as.catalogue(b, now)
	}
	if err := r.st.Apply(ctx, b); err != nil {
		return fmt.Errorf("sim: writing the catalogue: %w", err)
	}
	return r.run(ctx, c, progress)
}

// run advances every unit from c.from (zero: the beginning) to c.to,
// starting at unit c.unit after skipping its first c.rows rows, which an
// earlier attempt wrote. Each batch records where it got to; the last one
// records the run as done.
func (r *runner) run(ctx context.Context, c runCursor, progress func(done, total int)) (err error) {
	defer func() {
		if err != nil {
			r.states = nil // partly advanced: rebuilt on the next run
		}
	}()
	size := r.cfg.BatchSize
	if bs, ok := r.st.(BulkStore); ok && c.from.IsZero() {
		if size <= 0 {
			size = bulkBatchSize
		}
		if err := bs.BeginBulk(ctx); err != nil {
			return fmt.Errorf("sim: preparing the bulk write: %w", err)
		}
		defer func() {
			if err == nil {
				if err = bs.EndBulk(ctx); err != nil {
					err = fmt.Errorf("sim: finishing the bulk write: %w", err)
				}
			}
		}()
	}
	cached := r.states != nil && r.at.Equal(c.from) && c.unit == 0 && c.rows == 0 && !c.from.IsZero()
	if !cached {
		r.states = nil
	}
	total := 0
	if progress != nil {
		total = r.estimate(c.from, c.to)
	}
	// Batches are written while the next one is generated; the run ends
	// only once the last one is written, whatever its outcome.
	w := &batchWriter{st: r.st, done: make(chan error, 1)}
	defer func() {
		if werr := w.wait(); err == nil {
			err = werr
		}
	}()
	if size <= 0 {
		size = batchSize
	}
	out := &emitter{size: size}
	out.flush = func(ctx context.Context, b *emcdp.Batch) error {
		b.Meta = map[string]string{MetaRun: runCursor{c.from, c.to, out.unit, out.unitRows}.String()}
		done := out.tasks + len(b.NewTaskSessions) + len(b.NewJobTaskSessions)
		return w.write(ctx, b, func() {
			if progress != nil {
				progress(done, max(total, done))
			}
		})
	}
	live := !c.from.IsZero()
	var states []unit
	for i := c.unit; i < r.units(); i++ {
		var ps unit
		if cached {
			ps = r.states[i]
		} else {
			ps = r.newUnit(i)
			if live {
				if err := ps.advance(ctx, c.from, &emitter{discard: true}, false); err != nil {
					return err
				}
			}
		}
		out.unit, out.unitRows, out.skip = i, 0, 0
		if i == c.unit {
			out.skip = c.rows
		}
		if err := ps.advance(ctx, c.to, out, live); err != nil {
			return err
		}
		states = append(states, ps)
	}
	out.unit, out.unitRows = r.units(), 0
	out.flush = func(ctx context.Context, b *emcdp.Batch) error {
		b.Meta = map[string]string{MetaRun: "", MetaUntil: c.to.Format(time.RFC3339Nano)}
		done := out.tasks + len(b.NewTaskSessions) + len(b.NewJobTaskSessions)
		return w.write(ctx, b, func() {
			if progress != nil {
				progress(done, done)
			}
		})
	}
	if err := out.flushNow(ctx); err != nil {
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	if c.unit == 0 {
		r.states, r.at = states, c.to
	}
	return nil
}

// estimate guesses how many task sessions a run from..to inserts.
func (r *runner) estimate(from, to time.Time) int {
	n := 0.0
	for _, p := range r.w.policies {
		lt := time.Duration(p.settings.LongTermRetentionHours) * time.Hour
		for _, v := range p.vms {
			a := v.firstStart
			if a.Before(from) {
				a = from
			}
			if to.After(a) {
				n += float64(to.Sub(a))/float64(lt) + 0.5
			}
		}
	}
	n *= 1 + r.cfg.RestartRate + 0.3*(r.cfg.WarningRate+r.cfg.FailureRate)
	for _, vs := range r.w.vbr {
		for _, j := range vs.jobs {
			if j.disabled || j.row.JobType == emcdp.JobImmediateBackupCopy {
				continue
			}
			perDay := 1.0
			switch {
			case j.continuous:
				perDay = 24
			case j.every > 0:
				perDay = float64(day) / float64(j.every)
			default:
				perDay = 0
				for _, on := range j.days {
					if on {
						perDay += 1.0 / 7
					}
				}
			}
			a := maxTime(r.w.start, from)
			if to.After(a) {
				n += float64(to.Sub(a)) / float64(day) * perDay * float64(len(j.vms)) * (1 + 0.3*float64(len(j.copies)) +
					r.cfg.Jobs.FailureRate)
			}
		}
	}
	return int(n)
}

// loadEvents reads the world events of the policies and jobs when a write
// recorded one since the last read, with those of the jobs clone events
// made and their rows; the units are then rebuilt, so that each replays its
// events from the start.
func (r *runner) loadEvents(ctx context.Context) error {
	rev, err := r.st.Meta(ctx, emcdp.MetaWorldRev)
	if err != nil {
		return fmt.Errorf("sim: reading the store's state: %w", err)
	}
	if rev == r.rev {
		return nil
	}
	var ids []emcdp.ID
	for _, p := range r.w.policies {
		ids = append(ids, p.pol.ID)
	}
	for _, vs := range r.w.vbr {
		for _, j := range vs.jobs {
			ids = append(ids, j.row.ID)
		}
	}
	events, clones := map[emcdp.ID][]emcdp.WorldEvent{}, map[emcdp.ID]*emcdp.Job{}
	for i := 0; i < len(ids); i++ { // ids grows by the clones
		id := ids[i]
		v, err := r.st.Meta(ctx, emcdp.WorldEventsKey(id))
		if err != nil {
			return fmt.Errorf("sim: reading the store's state: %w", err)
		}
		if v == "" {
			continue
		}
		var evs []emcdp.WorldEvent
		if err := json.Unmarshal([]byte(v), &evs); err != nil {
			return fmt.Errorf("sim: malformed world events of %s in the store: %w", id, err)
		}
		events[id] = evs
		for _, ev := range evs {
			if ev.Kind != "clone" || ev.Session.IsZero() || clones[ev.Session] != nil {
				continue
			}
			v, err := r.st.Resource(ctx, emcdp.KindJob, ev.Session)
			if errors.Is(err, emcdp.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("sim: reading the job cloned by task-%d: %w", ev.Task, err)
			}
			clones[ev.Session] = v.(*emcdp.Job)
			ids = append(ids, ev.Session)
		}
	}
	r.events, r.clones, r.rev, r.states = events, clones, rev, nil
	return nil
}

// batchWriter applies batches one at a time in a goroutine of its own, so
// that the next batch is generated while the store writes the last one.
type batchWriter struct {
	st      emcdp.Store
	done    chan error // the outcome of the batch in flight
	busy    bool       // a batch is in flight
	written func()     // called once the batch in flight is written
}

// write waits for the batch in flight, then starts writing a copy of *b
// (the emitter reuses b), calling written once it is stored.
func (w *batchWriter) write(ctx context.Context, b *emcdp.Batch, written func()) error {
	if err := w.wait(); err != nil {
		return err
	}
	bb := *b
	w.busy, w.written = true, written
	go func() { w.done <- w.st.Apply(ctx, &bb) }()
	return nil
}

// wait waits for the batch in flight, if any, and returns its error.
func (w *batchWriter) wait() error {
	if !w.busy {
		return nil
	}
	w.busy = false
	if err := <-w.done; err != nil {
		return fmt.Errorf("sim: writing sessions: %w", err)
	}
	w.written()
	return nil
}
