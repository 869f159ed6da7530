package api

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
	"github.com/emcdp/emcdp/query"
	"github.com/emcdp/emcdp/wire"
)

// This file serves the write side (actions.md): the CDP policy and job
// writes, each answered 202 with a Running Task, and the task endpoints.
// Checks run in the order of actions.md §2.3: authentication and the method
// (dispatch), the role, the ids, the action, the object's existence, the
// body; whether the object's state allows the write is the task's verdict.

// msgForbidden is the 403 of a write by any role but Portal Administrator.
const msgForbidden = "Access denied. This operation requires the Portal Administrator role."

// owner is who a task belongs to: the caller's logon session (by its key,
// never its id), or the user for Basic callers (actions.md §3.5).
func owner(c *call) string {
	if c.caller.Session != nil {
		return "s:" + hex.EncodeToString(emcdp.LogonSessionKey(c.caller.Session.ID))
	}
	return "user:" + c.caller.UserKey
}

// mayWrite answers 403 unless the caller is a Portal Administrator.
func (h *Handler) mayWrite(c *call) error {
	u, err := h.store.User(c.ctx(), c.caller.UserKey)
	if errors.Is(err, emcdp.ErrNotFound) {
		return emcdp.Errorf(emcdp.EForbidden, msgForbidden)
	}
	if err != nil {
		return err
	}
	if u.Role != emcdp.RolePortalAdministrator {
		return emcdp.Errorf(emcdp.EForbidden, msgForbidden)
	}
	return nil
}

// submit stores the task and answers 202 with it and its Location.
func (h *Handler) submit(c *call, t *emcdp.Task, target emcdp.ID) error {
	t.Owner, t.Target = owner(c), target
	if err := h.actions.Submit(c.ctx(), t); err != nil {
		return err
	}
	c.status = http.StatusAccepted
	c.w.Header()["Location"] = []string{c.base + "/tasks/" + wire.TaskID(t.Num)}
	c.buf = c.enc.Task(c.buf, c.base, t)
	return nil
}

// params returns v as the JSON a task keeps.
func params(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("api: task params: " + err.Error())
	}
	return string(b)
}

// actionParam returns the action parameter, which must be one of names
// (any case); the answer is the name as listed.
func actionParam(c *call, kind string, names []string, expected string) (string, error) {
	v, _ := c.param("action")
	for _, n := range names {
		if strings.EqualFold(v, n) {
			return n, nil
		}
	}
	return "", emcdp.Errorf(emcdp.EInvalid, "Unknown action '%s' for %s; expected %s", clip(v), kind, expected)
}

// policy reads the policy named by the first path id, which a write
// names.
func (h *Handler) policy(c *call, args []string) (*emcdp.CdpPolicy, error) {
	id, err := parseID(args[0])
	if err != nil {
		return nil, err
	}
	v, err := h.store.CdpPolicy(c.ctx(), id)
	if err != nil {
		return nil, storeErr(err, "CdpPolicy", id)
	}
	return v, nil
}

// policyAction serves POST /cdpPolicies/{id}?action=disable|enable (W2, W3).
func (h *Handler) policyAction(c *call, args []string) error {
	if err := h.mayWrite(c); err != nil {
		return err
	}
	id, err := parseID(args[0])
	if err != nil {
		return err
	}
	a, err := actionParam(c, "CdpPolicy", []string{"disable", "enable"}, "disable or enable")
	if err != nil {
		return err
	}
	if _, err := h.policy(c, args); err != nil {
		return err
	}
	return h.submit(c, &emcdp.Task{Operation: action.OpUpdateCdpPolicy, Action: a}, id)
}

// policyEdit serves PUT /cdpPolicies/{id} (W1).
func (h *Handler) policyEdit(c *call, args []string) error {
	if err := h.mayWrite(c); err != nil {
		return err
	}
	p, err := h.policy(c, args)
	if err != nil {
		return err
	}
	pe, err := parsePolicyEdit(c)
	if err != nil {
		return err
	}
	o := pe.Merge(p.Options)
	if err := action.CheckOptions(&o); err != nil {
		return invalidBody(err.Error())
	}
	if pe.NextRun != nil && !pe.NextRun.After(h.clock.Now()) {
		return invalidBody("NextRun must be later than now")
	}
	return h.submit(c, &emcdp.Task{Operation: action.OpEditCdpPolicy, Action: "edit", Params: params(pe)}, p.ID)
}

// policyInclude serves POST /cdpPolicies/{id}/includes (W4).
func (h *Handler) policyInclude(c *call, args []string) error {
	if err := h.mayWrite(c); err != nil {
		return err
	}
	p, err := h.policy(c, args)
	if err != nil {
		return err
	}
	in, err := parseInclude(c, p.Platform)
	if err != nil {
		return err
	}
	return h.submit(c, &emcdp.Task{Operation: action.OpUpdateCdpPolicy, Action: "include", Object: emcdp.NewID(),
		Params: params(in)}, p.ID)
}

// policyExclude serves DELETE /cdpPolicies/{id}/includes/{objectId} (W5).
func (h *Handler) policyExclude(c *call, args []string) error {
	if err := h.mayWrite(c); err != nil {
		return err
	}
	p, err := h.policy(c, args)
	if err != nil {
		return err
	}
	oid, err := parseID(args[1])
	if err != nil {
		return err
	}
	found := false
	for i := range p.Includes {
		found = found || p.Includes[i].ID == oid
	}
	if !found {
		return emcdp.Errorf(emcdp.ENotFound, "No ObjectInJob with id '%s' in CdpPolicy '%s'", oid, p.ID)
	}
	return h.submit(c, &emcdp.Task{Operation: action.OpUpdateCdpPolicy, Action: "exclude", Object: oid}, p.ID)
}

// jobActions are the actions of POST /jobs/{id} with their operations.
var jobActions = map[string]string{"start": action.OpStartJob, "stop": action.OpStopJob, "retry": action.OpRetryJob,
	"toggleScheduleEnabled": action.OpUpdateJob, "clone": action.OpCloneJob}

// jobAction serves POST /jobs/{id}?action=… (W6–W10).
func (h *Handler) jobAction(c *call, args []string) error {
	if err := h.mayWrite(c); err != nil {
		return err
	}
	id, err := parseID(args[0])
	if err != nil {
		return err
	}
	a, err := actionParam(c, "Job", []string{"start", "stop", "retry", "toggleScheduleEnabled", "clone"},
		"start, stop, retry, toggleScheduleEnabled or clone")
	if err != nil {
		return err
	}
	v, err := h.store.Resource(c.ctx(), emcdp.KindJob, id)
	if err != nil {
		return storeErr(err, "Job", id)
	}
	j := v.(*emcdp.Job)
	t := &emcdp.Task{Operation: jobActions[a], Action: a}
	switch a {
	case "start", "stop", "retry":
		if j.JobType != emcdp.JobBackup && j.JobType != emcdp.JobReplica {
			return emcdp.Errorf(emcdp.EInvalid, "Action '%s' is not available for a job of type %s", a, j.JobType)
		}
	case "toggleScheduleEnabled":
		t.Action = "toggle"
	case "clone":
		cl, err := h.parseClone(c, j)
		if err != nil {
			return err
		}
		t.Object, t.Params = emcdp.NewID(), params(cl)
	}
	return h.submit(c, t, j.ID)
}

// taskNum parses a task id "task-<n>", any case.
func taskNum(s string) (int64, error) {
	rest, ok := strings.CutPrefix(strings.ToLower(s), "task-")
	n, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || n <= 0 || strings.HasPrefix(rest, "+") {
		return 0, emcdp.Errorf(emcdp.EInvalid, "The id '%s' is not a valid task id (task-<number>)", clip(s))
	}
	return n, nil
}

// ownTask reads the caller's task named by the path; someone else's is 404.
func (h *Handler) ownTask(c *call, arg string) (*emcdp.Task, error) {
	n, err := taskNum(arg)
	if err != nil {
		return nil, err
	}
	t, err := h.store.Task(c.ctx(), n)
	if err == nil && t.Owner != owner(c) {
		err = emcdp.ErrNotFound
	}
	if errors.Is(err, emcdp.ErrNotFound) {
		return nil, emcdp.Errorf(emcdp.ENotFound, "No Task with id '%s'", wire.TaskID(n))
	}
	return t, err
}

// tasks serves GET /tasks: the caller's tasks by number.
func (h *Handler) tasks(c *call, _ []string) error {
	ts, err := h.store.Tasks(c.ctx(), owner(c))
	if err != nil {
		return err
	}
	c.buf = c.enc.Tasks(c.buf, c.base, ts)
	return nil
}

// task serves GET /tasks/{taskId} (format is accepted and ignored).
func (h *Handler) task(c *call, args []string) error {
	t, err := h.ownTask(c, args[0])
	if err != nil {
		return err
	}
	c.buf = c.enc.Task(c.buf, c.base, t)
	return nil
}

// deleteTask serves DELETE /tasks/{taskId}: a Running task is cancelled
// (never applied), a finished one forgotten; 204.
func (h *Handler) deleteTask(c *call, args []string) error {
	t, err := h.ownTask(c, args[0])
	if err != nil {
		return err
	}
	if err := h.store.DeleteTask(c.ctx(), t.Num); err != nil && !errors.Is(err, emcdp.ErrNotFound) {
		return err
	}
	c.status = http.StatusNoContent
	return nil
}

// taskQuery serves GET /query?type=Task: the caller's tasks, paged; filter
// and sort are not offered for tasks.
func (h *Handler) taskQuery(c *call) error {
	for _, p := range c.params {
		if strings.EqualFold(p.name, "filter") || strings.EqualFold(p.name, "sortAsc") || strings.EqualFold(p.name, "sortDesc") {
			return emcdp.Errorf(emcdp.EInvalid, "Query parameter '%s' is not supported for type Task", clip(p.name))
		}
	}
	size, page := 100, 1
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"pageSize", &size, h.maxPage}, {"page", &page, 1 << 30}} {
		if v, ok := c.param(p.name); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > p.max {
				return emcdp.Errorf(emcdp.EInvalid, "Query parameter '%s' must be a number between 1 and %d, got '%s'", p.name, p.max, clip(v))
			}
			*p.dst = n
		}
	}
	ts, err := h.store.Tasks(c.ctx(), owner(c))
	if err != nil {
		return err
	}
	pages := query.PagesCount(len(ts), size)
	from := min((page-1)*size, len(ts))
	to := min(from+size, len(ts))
	href := func(n int) string {
		return c.base + "/query?type=Task&pageSize=" + strconv.Itoa(size) + "&page=" + strconv.Itoa(n)
	}
	p := wire.Paging{PageNum: page, PageSize: size, PagesCount: pages}
	p.Links = append(p.Links, wire.PageLink{Rel: "First", Href: href(1)})
	if page > 1 {
		p.Links = append(p.Links, wire.PageLink{Rel: "Previous", Href: href(page - 1)})
	}
	if page < pages {
		p.Links = append(p.Links, wire.PageLink{Rel: "Next", Href: href(page + 1)})
	}
	p.Links = append(p.Links, wire.PageLink{Rel: "Last", Href: href(max(pages, 1))})
	c.buf = c.enc.TaskQuery(c.buf, c.base, ts[from:to], p)
	return nil
}

// invalidBody is the 400 of a body that parsed but is not valid.
func invalidBody(msg string) error {
	return emcdp.Errorf(emcdp.EInvalid, "Request body is invalid: %s", msg)
}
