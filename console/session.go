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
