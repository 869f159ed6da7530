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
// Runs are told by their creation times, since retention keeps the number
// of sessions flat.
func TestToggledWeekDaysJob(t *testing.T) {
	monday := time.Date(2026, 11, 30, 0, 15, 0, 0, time.UTC)
	for d := range 7 {
		start := monday.Add(time.Duration(d) * day)
		for _, hourly := range []bool{false, true} {
			name := fmt.Sprintf("%s/hourly=%v", start.Weekday(), hourly)
			t.Run(name, func(t *testing.T) { toggleWeekDays(t, start, hourly) })
		}
	}
}

func toggleWeekDays(t *testing.T, start time.Time, hourly bool) {
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

	var want []time.Time // the weekday slots of the on window
	for s := on.Truncate(day).Add(23 * time.Hour); s.Before(end); s = s.Add(day) {
		if s.After(on) && s.Weekday() != time.Saturday && s.Weekday() != time.Sunday {
			want = append(want, s)
		}
	}
	var got []time.Time
	for _, s := range readRuns(t, w.st, job.ID).Sess {
		switch {
		case s.CreationTime.After(off) && s.CreationTime.Before(on):
			t.Errorf("session %s started at %v while the schedule was off (%v…%v)", s.Name, s.CreationTime, off, on)
		case !s.CreationTime.Before(on):
			got = append(got, s.CreationTime.Truncate(time.Hour)) // a run starts within 90 s of its slot
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs after the toggle on at %v (%s): %v; want %v", on, on.Weekday(), got, want)
	}
	next := end.Truncate(day).Add(23 * time.Hour)
	for !next.After(end) || next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.Add(day)
	}
	if j := jobRow(t, w.st); !j.ScheduleEnabled || !j.NextRun.Equal(next) {
		t.Errorf("at %v (%s) the job reads ScheduleEnabled=%v NextRun=%v; want %v", end, end.Weekday(), j.ScheduleEnabled, j.NextRun, next)
	}
}
