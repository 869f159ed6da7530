package sim

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
)

// TestToggledWeekDaysJob checks a WeekDays job whose schedule a write turns
// off for two days and on again for two days, starting on each day of the
// week, as VBR runs it: no scheduled run while off and NextRun absent; once
// on, one run at 23:00 on every weekday and NextRun the next such slot.
// The toggles come at 00:15, or just after a slot, where the run of the
// slot before the toggle off starts and the one before the toggle on does
// not, although both start after the toggle. Runs are told by their
// creation times, since retention keeps the number of sessions flat.
func TestToggledWeekDaysJob(t *testing.T) {
	monday := time.Date(2026, 11, 30, 0, 15, 0, 0, time.UTC)
	for d := range 7 {
		for _, off := range []time.Time{
			monday.Add(time.Duration(d) * day),
			// just after a slot: the run of the slot before the toggle
			// off starts, the one of the slot before the toggle on not
			monday.Add(time.Duration(d)*day + 22*time.Hour + 45*time.Minute + 500*time.Millisecond),
		} {
			for _, hourly := range []bool{false, true} {
				name := fmt.Sprintf("%s-%s/hourly=%v", off.Weekday(), off.Format("1504"), hourly)
				t.Run(name, func(t *testing.T) { toggleWeekDays(t, off, hourly) })
			}
		}
	}
}

func toggleWeekDays(t *testing.T, start time.Time, hourly bool) {
	t.Helper()
	cfg := Config{Seed: 5, Start: start.Add(-2 * day), NoRandomEpisodes: true, Catalog: []ServerSpec{{Name: "a",
		Jobs: []JobSpec{{Name: "j", Type: emcdp.JobBackup, VMs: []VMSpec{{Name: "vm-1"}, {Name: "vm-2"}},
			At: 23 * time.Hour, Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}}}}}
	clk := emcdp.NewManualClock(start)
	w := newWriter(t, openSQLite(t, filepath.Join(t.TempDir(), "a.db")), clk, cfg)
	w.step(0)
	advance := func(d time.Duration) {
		if !hourly {
			w.step(d)
			return
		}
		for range d / time.Hour {
			w.step(time.Hour)
		}
	}
	job := jobRow(t, w.st)
	if job.Schedule.DailyKind != "WeekDays" || !job.ScheduleEnabled {
		t.Fatalf("the job reads DailyKind=%s ScheduleEnabled=%v", job.Schedule.DailyKind, job.ScheduleEnabled)
	}
	toggle := func() time.Time {
		if tk := w.submit(action.OpUpdateJob, "toggle", job.ID, ""); !tk.Success {
			t.Fatalf("toggle: %s", tk.Message)
		}
		return clk.Now()
	}
	off := toggle()
	advance(2 * day)
	if j := jobRow(t, w.st); j.ScheduleEnabled || !j.NextRun.IsZero() {
		t.Errorf("two days after the toggle off the job reads ScheduleEnabled=%v NextRun=%v", j.ScheduleEnabled, j.NextRun)
	}
	on := toggle()
	advance(2 * day)
	end := clk.Now()

	// the weekday slots from just before the toggle off to just before the
	// end (a run starts up to 90 s after its slot), but for those that
	// passed while the schedule was off
	var want []time.Time
	for s := off.Add(-2 * time.Minute).Truncate(day).Add(23 * time.Hour); s.Before(end.Add(-2 * time.Minute)); s = s.Add(day) {
		if s.After(off.Add(-2*time.Minute)) && (!s.After(off) || s.After(on)) && s.Weekday() != time.Saturday && s.Weekday() != time.Sunday {
			want = append(want, s)
		}
	}
	var got []time.Time
	for _, s := range readRuns(t, w.st, job.ID).Sess {
		if s.CreationTime.After(off.Add(-2 * time.Minute)) {
			got = append(got, s.CreationTime.Truncate(time.Hour)) // a run starts within 90 s of its slot
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs of a job toggled off at %v (%s) and on at %v: %v; want %v", off, off.Weekday(), on, got, want)
	}
	next := end.Truncate(day).Add(23 * time.Hour)
	for !next.After(end) || next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.Add(day)
	}
	if j := jobRow(t, w.st); !j.ScheduleEnabled || !j.NextRun.Equal(next) {
		t.Errorf("at %v (%s) the job reads ScheduleEnabled=%v NextRun=%v; want %v", end, end.Weekday(), j.ScheduleEnabled, j.NextRun, next)
	}
}

// TestToggledContinuousJob checks that a continuous job whose schedule is
// toggled off starts no run until it is toggled on, and runs again after.
func TestToggledContinuousJob(t *testing.T) {
	cfg := Config{Seed: 5, Start: t0.Add(-2 * day), NoRandomEpisodes: true, Catalog: []ServerSpec{{Name: "a",
		Jobs: []JobSpec{{Name: "j", Type: emcdp.JobBackup, VMs: []VMSpec{{Name: "vm-1"}}, Continuous: true}}}}}
	clk := emcdp.NewManualClock(t0)
	w := newWriter(t, openSQLite(t, filepath.Join(t.TempDir(), "a.db")), clk, cfg)
	w.step(0)
	job := jobRow(t, w.st)
	toggle := func() time.Time {
		if tk := w.submit(action.OpUpdateJob, "toggle", job.ID, ""); !tk.Success {
			t.Fatalf("toggle: %s", tk.Message)
		}
		return clk.Now()
	}
	off := toggle()
	w.step(day)
	on := toggle()
	w.step(day)
	after := 0
	for _, s := range readRuns(t, w.st, job.ID).Sess {
		switch {
		case s.CreationTime.After(off) && s.CreationTime.Before(on):
			t.Errorf("session %s started at %v while the schedule was off (%v…%v)", s.Name, s.CreationTime, off, on)
		case !s.CreationTime.Before(on):
			after++
		}
	}
	if after < 2 {
		t.Errorf("the continuous job toggled on ran %d sessions in a day", after)
	}
}
