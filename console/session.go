package console

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/emcdp/emcdp"
)

// SessionDetail is one policy or task session as the console shows it: its
// fields, its task sessions (of a policy session) or its policy session (of
// a task session), and the EM API URLs a client reads it with.
type SessionDetail struct {
	Type       string     `json:"type"` // CdpReplicaSession or CdpReplicaTaskSession
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Fields     []Field    `json:"fields"`
	Tasks      []TaskRow  `json:"tasks,omitempty"`
	TasksTotal int        `json:"tasksTotal,omitempty"`
	Parent     *SessionID `json:"parent,omitempty"`
	URLs       []EMURL    `json:"urls"`
}

// Field is one field of a session as the query service names it.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Time  bool   `json:"time,omitempty"` // the value is an RFC 3339 time
}

// SessionID names a session.
type SessionID struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TaskRow is one task session of a policy session.
type TaskRow struct {
	ID     string     `json:"id"`
	VM     string     `json:"vm"`
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	State  string     `json:"state"`
	Result string     `json:"result"`
	Reason string     `json:"reason,omitempty"`
}

// EMURL is an EM API request a client would make for the session.
type EMURL struct {
	Label  string `json:"label"`
	URL    string `json:"url"`
	Accept string `json:"accept"` // application/xml or application/json
}

// maxTasks bounds the task sessions listed in one detail.
const maxTasks = 1000

// ReadSession reads the session with id; base is the server's root URL as
// the client reached it ("https://host:9398"). It returns an error wrapping
// emcdp.ErrNotFound when there is no such session.
func ReadSession(ctx context.Context, st emcdp.Store, id emcdp.ID, base string) (*SessionDetail, error) {
	if ps, err := st.PolicySession(ctx, id); err == nil {
		d := &SessionDetail{Type: emcdp.KindCdpReplicaSession.String(), ID: ps.ID.String(), Name: ps.Name}
		d.Fields = []Field{
			{Name: "UID", Value: emcdp.KindCdpReplicaSession.UID(ps.ID)},
			{Name: "Name", Value: ps.Name},
			{Name: "PolicyName", Value: ps.PolicyName},
			{Name: "PolicyUid", Value: emcdp.KindCdpPolicy.UID(ps.PolicyID)},
			{Name: "BackupServerName", Value: ps.BackupServerName},
			timeField("CreationTimeUTC", ps.CreationTime),
			timeField("EndTimeUTC", ps.EndTime),
			{Name: "State", Value: ps.State.String()},
			{Name: "Result", Value: ps.Result.String()},
			{Name: "Progress", Value: fmt.Sprint(ps.Progress)},
			{Name: "FailureMessage", Value: ps.FailureMessage},
		}
		f, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "PolicySessionUid")
		vm, _ := emcdp.LookupField(emcdp.KindCdpReplicaTaskSession, "VmDisplayName")
		res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaTaskSession, Sort: &vm, Page: 1, PageSize: maxTasks,
			Filter: &emcdp.Term{Field: f, Op: emcdp.OpEq, Value: emcdp.Value{ID: ps.ID}}})
		if err != nil {
			return nil, err
		}
		d.TasksTotal = res.Total
		for _, t := range res.TaskSessions {
			d.Tasks = append(d.Tasks, taskRow(&t))
		}
		u := base + "/api/cdpReplicaSessions/" + d.ID
		d.URLs = emURLs("the session", u+"?format=Entity")
		d.URLs = append(d.URLs, emURLs("its task sessions", u+"/cdpReplicaTaskSessions?format=Entity")...)
		q := url.Values{"type": {"CdpReplicaTaskSession"}, "filter": {`PolicySessionUid=="` + emcdp.KindCdpReplicaSession.UID(ps.ID) + `"`},
			"format": {"Entities"}}
		d.URLs = append(d.URLs, emURLs("its task sessions through the query service", base+"/api/query?"+q.Encode())...)
		return d, nil
	} else if !errors.Is(err, emcdp.ErrNotFound) {
		return nil, err
	}
	ts, err := st.TaskSession(ctx, id)
	if errors.Is(err, emcdp.ErrNotFound) {
		return readJobSession(ctx, st, id, base)
	}
	if err != nil {
		return nil, err
	}
	d := &SessionDetail{Type: emcdp.KindCdpReplicaTaskSession.String(), ID: ts.ID.String(), Name: ts.Name,
		Parent: &SessionID{ID: ts.PolicySessionID.String(), Name: ts.PolicySessionName}}
	d.Fields = []Field{
		{Name: "UID", Value: emcdp.KindCdpReplicaTaskSession.UID(ts.ID)},
		{Name: "Name", Value: ts.Name},
		{Name: "VmDisplayName", Value: ts.VmDisplayName},
		{Name: "PolicySessionName", Value: ts.PolicySessionName},
		{Name: "PolicySessionUid", Value: emcdp.KindCdpReplicaSession.UID(ts.PolicySessionID)},
		{Name: "BackupServerName", Value: ts.BackupServerName},
		timeField("CreationTimeUTC", ts.CreationTime),
		timeField("EndTimeUTC", ts.EndTime),
		{Name: "State", Value: ts.State.String()},
		{Name: "Result", Value: ts.Result.String()},
		{Name: "Reason", Value: ts.Reason},
		{Name: "TotalSize", Value: fmt.Sprint(ts.TotalSize)},
	}
	d.URLs = emURLs("the task session", base+"/api/cdpReplicaTaskSessions/"+d.ID+"?format=Entity")
	return d, nil
}

func timeField(name string, t time.Time) Field {
	if t.IsZero() {
		return Field{Name: name}
	}
	return Field{Name: name, Value: t.UTC().Format(time.RFC3339Nano), Time: true}
}

func taskRow(t *emcdp.TaskSession) TaskRow {
	r := TaskRow{ID: t.ID.String(), VM: t.VmDisplayName, Start: t.CreationTime, State: t.State.String(),
		Result: t.Result.String(), Reason: t.Reason}
	if !t.EndTime.IsZero() {
		e := t.EndTime
		r.End = &e
	}
	return r
}

// emURLs is the same request in XML and in JSON: the EM API chooses the
// format by the Accept header.
func emURLs(label, u string) []EMURL {
	return []EMURL{{Label: label, URL: u, Accept: "application/xml"}, {Label: label, URL: u, Accept: "application/json"}}
}

// readJobSession reads a job or job task session, of any session kind a
// Desc describes, through the query service.
func readJobSession(ctx context.Context, st emcdp.Store, id emcdp.ID, base string) (*SessionDetail, error) {
	for _, d := range emcdp.Descs {
		if !d.Session {
			continue
		}
		res, err := st.Query(ctx, &emcdp.Query{Kind: d.Kind, Page: 1, PageSize: 1,
			Filter: &emcdp.Term{Field: d.Props[0].Field, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}})
		if err != nil {
			return nil, err
		}
		if len(res.Items) == 0 {
			continue
		}
		item := res.Items[0]
		det := &SessionDetail{Type: d.Type, ID: id.String(), Name: d.Name(item)}
		for i := range d.Props {
			p := &d.Props[i]
			if p.Name == "" || !p.Scalar() {
				continue
			}
			det.Fields = append(det.Fields, fieldOf(p, p.Get(item)))
		}
		det.URLs = emURLs("the session", base+"/api"+d.Path+det.ID+"?format=Entity")
		if ts, ok := item.(*emcdp.JobTaskSession); ok {
			det.Parent = &SessionID{ID: ts.JobSessionID.String(), Name: ts.JobSessionName}
			return det, nil
		}
		// A job session: its task sessions are those of the session kind
		// whose JobSessionUid refers to it (a restore point's refers to its
		// session too, but a restore point is not a task session).
		for _, c := range emcdp.Descs {
			f := c.Prop("JobSessionUid")
			if f == nil || f.Ref != d.Kind || !c.Session {
				continue
			}
			vm := c.Prop("VmDisplayName")
			tasks, err := st.Query(ctx, &emcdp.Query{Kind: c.Kind, Sort: &vm.Field, Page: 1, PageSize: maxTasks,
				Filter: &emcdp.Term{Field: f.Field, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}})
			if err != nil {
				return nil, err
			}
			det.TasksTotal = tasks.Total
			for _, it := range tasks.Items {
				t := it.(*emcdp.JobTaskSession)
				r := TaskRow{ID: t.ID.String(), VM: t.VmDisplayName, Start: t.CreationTime, State: t.State.String(),
					Result: t.Result.String(), Reason: t.Reason}
				if !t.EndTime.IsZero() {
					e := t.EndTime
					r.End = &e
				}
				det.Tasks = append(det.Tasks, r)
			}
			q := url.Values{"type": {c.Type}, "filter": {`JobSessionUid=="` + d.UID(id) + `"`}, "format": {"Entities"}}
			det.URLs = append(det.URLs, emURLs("its task sessions through the query service", base+"/api/query?"+q.Encode())...)
		}
		return det, nil
	}
	return nil, fmt.Errorf("session %s: %w", id, emcdp.ErrNotFound)
}

// fieldOf writes one property's value as the query service names it.
func fieldOf(p *emcdp.Prop, v emcdp.Value) Field {
	f := Field{Name: p.Name}
	switch p.Type {
	case emcdp.TypeString:
		f.Value = v.Str
	case emcdp.TypeUID:
		if v.ID != (emcdp.ID{}) {
			if p.Ref != 0 {
				f.Value = p.Ref.UID(v.ID)
			} else {
				f.Value = v.ID.String()
			}
		}
	case emcdp.TypeDateTime:
		return timeField(p.Name, v.Time)
	case emcdp.TypeInt:
		f.Value = fmt.Sprint(v.Int)
	case emcdp.TypeDouble:
		f.Value = fmt.Sprint(v.Float)
	case emcdp.TypeBool:
		f.Value = fmt.Sprint(v.Bool)
	case emcdp.TypeEnum:
		if v.Int >= 0 && int(v.Int) < len(p.Enum) {
			f.Value = p.Enum[v.Int]
		}
	}
	return f
}
