package api

import "github.com/emcdp/emcdp"

// agentRoutes are the session collections of agent and NAS jobs
// (monitoring.md M20, M22): the backup job sessions of the session window
// whose JobType is an agent's or a NAS job's; and the objects the jobs
// include, at the Hrefs their entities write. The jobs' own collections
// and their sessions are routes of their descriptions. They come before
// those, so that an agent job's include answers in its own form.
func agentRoutes() []route {
	return []route{
		{pattern: seg("agents/backupsessions"), get: sessionsOfTypes(emcdp.JobAgentBackup, emcdp.JobAgentManagement)},
		{pattern: seg("nas/backupsessions"), get: sessionsOfTypes(emcdp.JobNasBackup, emcdp.JobNasBackup)},
		{pattern: seg("nas/jobs/*/includes/*"), get: (*Handler).nasObject},
		{pattern: seg("agents/jobs/*/includes/*"), get: (*Handler).agentObject},
	}
}

// agentObject answers one included object of an agent backup job, the
// Href its entity writes, as an ObjectInAgentBackupJob.
func (h *Handler) agentObject(c *call, args []string) error {
	id, _, objs, err := h.owner(c, emcdp.KindAgentBackupJob, args)
	if err != nil {
		return err
	}
	oid, err := parseID(args[1])
	if err != nil {
		return err
	}
	for i := range objs {
		if objs[i].ID == oid {
			c.buf = c.enc.AgentObject(c.buf, c.base, id, &objs[i])
			return nil
		}
	}
	return noSuch("ObjectInAgentBackupJob", oid)
}

// nasObject answers one share of a NAS job, the Href its entity writes.
func (h *Handler) nasObject(c *call, args []string) error {
	id, err := parseID(args[0])
	if err != nil {
		return err
	}
	oid, err := parseID(args[1])
	if err != nil {
		return err
	}
	v, err := h.store.Resource(c.ctx(), emcdp.KindNasJob, id)
	if err != nil {
		return storeErr(err, "NasJob", id)
	}
	j := v.(*emcdp.NasJob)
	for i := range j.Includes {
		if j.Includes[i].ID == oid {
			c.buf = c.enc.NasObject(c.buf, c.base, id, &j.Includes[i])
			return nil
		}
	}
	return noSuch("NasObject", oid)
}

// sessionsOfTypes is the endpoint of the backup job sessions whose job
// type is lo…hi (the agent types are adjacent), a range the index on (job
// type, creation time) serves.
func sessionsOfTypes(lo, hi emcdp.JobType) endpoint {
	f := mustField(emcdp.KindBackupJobSession, "JobType")
	var filter emcdp.Expr = &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{Int: int64(lo)}}
	if hi != lo {
		filter = &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: f, Op: emcdp.OpGe, Value: emcdp.Value{Int: int64(lo)}},
			&emcdp.Term{Field: f, Op: emcdp.OpLe, Value: emcdp.Value{Int: int64(hi)}},
		}}
	}
	return func(h *Handler, c *call, _ []string) error { return h.list(c, emcdp.KindBackupJobSession, filter) }
}
