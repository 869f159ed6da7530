package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/emcdp/emcdp"
)

// The jobs the clone write makes (actions.md §5.4, §7.2). A clone is a new,
// disabled job with its source's settings and VMs; replaying the clone
// event, the simulator adds it to the server's world at the event's
// instant, so that a manual run of it carries on to its end and, once its
// schedule is toggled on, its schedule starts runs. The clone draws from
// streams seeded by its own id: the runs of every other job stay as they
// were drawn.

// addClone adds the job row cloned from src at at. A clone of a job that
// does not run on its own (an immediate copy) is left as the write stored
// it, and so is a clone whose row is not in the store.
func (s *vbrState) addClone(src *jobGen, row *emcdp.Job, at time.Time) {
	if src == nil || row == nil || s.byJob[row.ID] != nil {
		return
	}
	d := *src.j
	d.row = *row
	d.row.ScheduleEnabled, d.row.NextRun = false, time.Time{}
	d.seed = cloneSeed(row.ID)
	d.disabled = true               // until a toggle turns its schedule on
	d.copies, d.episodes = nil, nil // copy jobs and scripted episodes name their jobs
	for _, rd := range s.vs.repos {
		if rd.row.ID == row.RepositoryID && !row.RepositoryID.IsZero() {
			d.repo = rd // the repository the clone names; else its source's
		}
	}
	g := newJobGen(&d, s.cfg, at)
	s.gens = append(s.gens, g)
	s.byJob[row.ID] = g
	s.enabled[row.ID] = false
}

// schedule turns on the schedule of a job that ran on none (a clone, or a
// job the world began with disabled): its runs are drawn from at on. The
// job's definition is copied, as the world's is shared by every replay.
func (g *jobGen) schedule(at time.Time) {
	if !g.j.disabled || g.j.row.JobType == emcdp.JobImmediateBackupCopy {
		return
	}
	d := *g.j
	d.disabled = false
	g.j, g.start = &d, at
	g.next = g.draw(nil)
}

// cloneSeed is the seed of a cloned job's streams, derived from its id.
func cloneSeed(id emcdp.ID) uint64 {
	h := sha256.Sum256(append([]byte("clone"), id[:]...))
	return binary.LittleEndian.Uint64(h[:8])
}
