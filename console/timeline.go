package console

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emcdp/emcdp"
)

// TimelineRequest selects what a timeline shows.
type TimelineRequest struct {
	From, To time.Time
	Buckets  int // the columns drawn; the server counts per column
	// Jobs shows jobs and their backup and replica sessions instead of CDP
	// policies and their sessions.
	Jobs bool
	// Parent, when set, shows that policy's (or job's) VMs as rows;
	// otherwise the policies (or jobs) are the rows, PageSize of them on
	// page Page (1-based).
	Parent   *emcdp.ID
	Page     int
	PageSize int
}

// Limits of a timeline request.
const (
	MaxTimelineBuckets  = 400
	MaxTimelinePageSize = 200
)

// Timeline is the sessions of a time window: policy sessions as bars, and
// task sessions counted per row and bucket.
type Timeline struct {
	From    time.Time     `json:"from"`
	To      time.Time     `json:"to"`
	Width   float64       `json:"widthSeconds"`
	Buckets int           `json:"buckets"`
	Parent  string        `json:"parent,omitempty"` // the policy or job whose VMs are the rows
	Page    int           `json:"page"`
	Pages   int           `json:"pages"`
	Rows    []TimelineRow `json:"rows"`
	Tasks   int           `json:"tasks"` // task sessions counted in the window (of the rows shown)
	// Truncated: the window holds more sessions of a kind than maxBars;
	// the newest are shown.
	Truncated bool `json:"truncated,omitempty"`
}

// maxBars bounds the sessions of one kind a timeline shows as bars (a
// continuous job starts one every hour).
const maxBars = 20000

// TimelineRow is one policy, job or VM.
type TimelineRow struct {
	ID       string       `json:"id,omitempty"` // the policy's or job's id
	Name     string       `json:"name"`
	Server   string       `json:"server,omitempty"`
	Sessions []SessionBar `json:"sessions,omitempty"`
	Cells    []Cell       `json:"cells"`
}

// SessionBar is one policy or job session in the window.
type SessionBar struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	State  string     `json:"state"`
	Result string     `json:"result"`
}

// Cell counts a row's task sessions created in one bucket.
type Cell struct {
	Bucket  int `json:"b"`
	Success int `json:"success,omitempty"`
	Warning int `json:"warning,omitempty"`
	Failed  int `json:"failed,omitempty"`
	Running int `json:"running,omitempty"`
}

// ErrRequest marks a request the console cannot answer as asked (a 400).
var ErrRequest = errors.New("bad request")

// ReadTimeline reads the timeline req asks for.
func ReadTimeline(ctx context.Context, st emcdp.Store, req TimelineRequest) (*Timeline, error) {
	hs, ok := st.(emcdp.HistogramStore)
	if !ok {
		return nil, errors.New("this store cannot count sessions per time bucket")
	}
	if !req.To.After(req.From) {
		return nil, fmt.Errorf("%w: to must be after from", ErrRequest)
	}
	if req.Buckets < 1 || req.Buckets > MaxTimelineBuckets {
		return nil, fmt.Errorf("%w: buckets must be 1 to %d", ErrRequest, MaxTimelineBuckets)
	}
	if req.PageSize < 1 || req.PageSize > MaxTimelinePageSize {
		return nil, fmt.Errorf("%w: pageSize must be 1 to %d", ErrRequest, MaxTimelinePageSize)
	}
	if req.Page < 1 {
		req.Page = 1
	}
	width := (req.To.Sub(req.From) + time.Duration(req.Buckets) - 1) / time.Duration(req.Buckets)
	if width <= 0 {
		width = 1
	}
	tl := &Timeline{From: req.From, To: req.To, Width: width.Seconds(), Buckets: req.Buckets, Page: 1, Pages: 1}
	kinds := []emcdp.Kind{emcdp.KindCdpReplicaTaskSession}
	if req.Jobs {
		kinds = []emcdp.Kind{emcdp.KindBackupTaskSession, emcdp.KindReplicaTaskSession}
	}
	byGroup := map[string][]Cell{}
	var groups []string
	for _, k := range kinds {
		cells, err := hs.TaskSessionHistogram(ctx, &emcdp.Histogram{Kind: k, From: req.From, To: req.To, Width: width, Parent: req.Parent})
		if err != nil {
			return nil, err
		}
		groups = addCells(byGroup, groups, cells)
	}
	if req.Parent != nil {
		includes, err := parentIncludes(ctx, st, *req.Parent, req.Jobs)
		if err != nil {
			return nil, err
		}
		tl.Parent = req.Parent.String()
		// every VM the policy or job protects, and any the window holds beside them
		names := map[string]bool{}
		for _, o := range includes {
			if names[o.Name] {
				continue
			}
			names[o.Name] = true
			tl.Rows = append(tl.Rows, TimelineRow{Name: o.Name, Cells: nonNil(byGroup[o.Name])})
		}
		for _, g := range groups {
			if !names[g] {
				tl.Rows = append(tl.Rows, TimelineRow{Name: g, Cells: byGroup[g]})
			}
		}
	} else if err := readRows(ctx, st, req, tl, byGroup); err != nil {
		return nil, err
	}
	for _, r := range tl.Rows {
		for _, c := range r.Cells {
			tl.Tasks += c.Success + c.Warning + c.Failed + c.Running
		}
	}
	return tl, nil
}

// addCells adds histogram cells to the rows' cells by group, keeping the
// groups in the order first seen.
func addCells(byGroup map[string][]Cell, groups []string, cells []emcdp.HistogramCell) []string {
	for _, c := range cells {
		row, seen := byGroup[c.Group]
		if !seen {
			groups = append(groups, c.Group)
		}
		i := -1
		for j := range row {
			if row[j].Bucket == c.Bucket {
				i = j
				break
			}
		}
		if i < 0 {
			row = append(row, Cell{Bucket: c.Bucket})
			i = len(row) - 1
		}
		switch {
		case c.Running:
			row[i].Running += c.Count
		case c.Result == emcdp.ResultWarning:
			row[i].Warning += c.Count
		case c.Result == emcdp.ResultFailed:
			row[i].Failed += c.Count
		default:
			row[i].Success += c.Count
		}
		byGroup[c.Group] = row
	}
	return groups
}

// parentIncludes returns the VMs of a policy or a job.
func parentIncludes(ctx context.Context, st emcdp.Store, id emcdp.ID, job bool) ([]emcdp.ObjectInJob, error) {
	if !job {
		p, err := st.CdpPolicy(ctx, id)
		if err != nil {
			return nil, err
		}
		return p.Includes, nil
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindJob, Page: 1, PageSize: 1,
		Filter: &emcdp.Term{Field: emcdp.JobDesc.Props[0].Field, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}}})
	if err != nil {
		return nil, err
	}
	if len(res.Items) == 0 {
		return nil, fmt.Errorf("job %s: %w", id, emcdp.ErrNotFound)
	}
	return res.Items[0].(*emcdp.Job).Includes, nil
}

// readRows fills the page of policies (or jobs) with their cells and the
// sessions that overlap the window.
func readRows(ctx context.Context, st emcdp.Store, req TimelineRequest, tl *Timeline, byGroup map[string][]Cell) error {
	rowKind, sessKinds, parentField := emcdp.KindCdpPolicy, []emcdp.Kind{emcdp.KindCdpReplicaSession}, "PolicyUid"
	// Policy sessions last a day: those created up to a day before the
	// window still show in it; job sessions rarely run longer than two.
	reach := day
	if req.Jobs {
		rowKind, sessKinds, parentField = emcdp.KindJob, []emcdp.Kind{emcdp.KindBackupJobSession, emcdp.KindReplicaJobSession}, "JobUid"
		reach = 2 * day
	}
	res, err := st.Query(ctx, &emcdp.Query{Kind: rowKind, Page: req.Page, PageSize: req.PageSize})
	if err != nil {
		return err
	}
	tl.Page = req.Page
	tl.Pages = max(1, (res.Total+req.PageSize-1)/req.PageSize)
	index := map[emcdp.ID]int{}
	var ids []emcdp.ID
	add := func(id emcdp.ID, name, server string) {
		index[id] = len(tl.Rows)
		ids = append(ids, id)
		tl.Rows = append(tl.Rows, TimelineRow{ID: id.String(), Name: name, Server: server, Cells: nonNil(byGroup[id.String()])})
	}
	for _, p := range res.CdpPolicies {
		add(p.ID, p.Name, p.BackupServerName)
	}
	for _, it := range res.Items {
		j := it.(*emcdp.Job)
		add(j.ID, j.Name, j.BackupServerName)
	}
	if len(ids) == 0 {
		return nil
	}
	for _, k := range sessKinds {
		pf, _ := emcdp.LookupField(k, parentField)
		created, _ := emcdp.LookupField(k, "CreationTime")
		var or []emcdp.Expr
		for _, id := range ids {
			or = append(or, &emcdp.Term{Field: pf, Op: emcdp.OpEq, Value: emcdp.Value{ID: id}})
		}
		f := &emcdp.And{Terms: []emcdp.Expr{
			&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: req.From.Add(-reach)}},
			&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: req.To}},
			&emcdp.Or{Terms: or},
		}}
		ss, err := st.Query(ctx, &emcdp.Query{Kind: k, Filter: f, Sort: &created, Desc: true, Page: 1, PageSize: maxBars})
		if err != nil {
			return err
		}
		if ss.Total > maxBars {
			tl.Truncated = true
		}
		bar := func(parent, id emcdp.ID, name string, start, end time.Time, state, result string) {
			if !end.IsZero() && !end.After(req.From) {
				return
			}
			b := SessionBar{ID: id.String(), Name: name, Start: start, State: state, Result: result}
			if !end.IsZero() {
				b.End = &end
			}
			r := &tl.Rows[index[parent]]
			r.Sessions = append(r.Sessions, b)
		}
		for _, s := range ss.PolicySessions {
			bar(s.PolicyID, s.ID, s.Name, s.CreationTime, s.EndTime, s.State.String(), s.Result.String())
		}
		for _, it := range ss.Items {
			s := it.(*emcdp.JobSession)
			bar(s.JobID, s.ID, s.Name, s.CreationTime, s.EndTime, s.State.String(), s.Result.String())
		}
	}
	return nil
}

func nonNil(c []Cell) []Cell {
	if c == nil {
		return []Cell{}
	}
	return c
}
