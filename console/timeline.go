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
	// PolicyID, when set, shows that policy's VMs as rows; otherwise the
	// policies are the rows, PageSize of them on page Page (1-based).
	PolicyID *emcdp.ID
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
	Policy  string        `json:"policy,omitempty"`
	Page    int           `json:"page"`
	Pages   int           `json:"pages"`
	Rows    []TimelineRow `json:"rows"`
	Tasks   int           `json:"tasks"` // task sessions counted in the window (of the rows shown)
}

// TimelineRow is one policy or one VM.
type TimelineRow struct {
	ID       string       `json:"id,omitempty"` // the policy's id
	Name     string       `json:"name"`
	Server   string       `json:"server,omitempty"`
	Sessions []SessionBar `json:"sessions,omitempty"`
	Cells    []Cell       `json:"cells"`
}

// SessionBar is one policy session in the window.
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
	h := &emcdp.Histogram{From: req.From, To: req.To, Width: width, PolicyID: req.PolicyID}
	cells, err := hs.TaskSessionHistogram(ctx, h)
	if err != nil {
		return nil, err
	}
	byGroup := map[string][]Cell{}
	var groups []string
	for _, c := range cells {
		row, seen := byGroup[c.Group]
		if !seen {
			groups = append(groups, c.Group)
		}
		i := len(row) - 1
		if i < 0 || row[i].Bucket != c.Bucket {
			// cells come grouped but not necessarily in bucket order
			i = -1
			for j := range row {
				if row[j].Bucket == c.Bucket {
					i = j
				}
			}
			if i < 0 {
				row = append(row, Cell{Bucket: c.Bucket})
				i = len(row) - 1
			}
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

	if req.PolicyID != nil {
		p, err := st.CdpPolicy(ctx, *req.PolicyID)
		if err != nil {
			return nil, err
		}
		tl.Policy = p.ID.String()
		// every VM the policy protects, and any the window holds beside them
		names := map[string]bool{}
		for _, o := range p.Includes {
			names[o.Name] = true
			tl.Rows = append(tl.Rows, TimelineRow{Name: o.Name, Cells: nonNil(byGroup[o.Name])})
		}
		for _, g := range groups {
			if !names[g] {
				tl.Rows = append(tl.Rows, TimelineRow{Name: g, Cells: byGroup[g]})
			}
		}
	} else {
		res, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpPolicy, Page: req.Page, PageSize: req.PageSize})
		if err != nil {
			return nil, err
		}
		tl.Page = req.Page
		tl.Pages = max(1, (res.Total+req.PageSize-1)/req.PageSize)
		var ids []emcdp.Expr
		pf, _ := emcdp.LookupField(emcdp.KindCdpReplicaSession, "PolicyUid")
		index := map[emcdp.ID]int{}
		for _, p := range res.CdpPolicies {
			index[p.ID] = len(tl.Rows)
			tl.Rows = append(tl.Rows, TimelineRow{ID: p.ID.String(), Name: p.Name, Server: p.BackupServerName,
				Cells: nonNil(byGroup[p.ID.String()])})
			ids = append(ids, &emcdp.Term{Field: pf, Op: emcdp.OpEq, Value: emcdp.Value{ID: p.ID}})
		}
		if len(ids) > 0 {
			// Policy sessions last a day: those created up to a day
			// before the window still show in it.
			created, _ := emcdp.LookupField(emcdp.KindCdpReplicaSession, "CreationTime")
			f := &emcdp.And{Terms: []emcdp.Expr{
				&emcdp.Term{Field: created, Op: emcdp.OpGe, Value: emcdp.Value{Time: req.From.Add(-day)}},
				&emcdp.Term{Field: created, Op: emcdp.OpLt, Value: emcdp.Value{Time: req.To}},
				&emcdp.Or{Terms: ids},
			}}
			ss, err := st.Query(ctx, &emcdp.Query{Kind: emcdp.KindCdpReplicaSession, Filter: f})
			if err != nil {
				return nil, err
			}
			for _, s := range ss.PolicySessions {
				if !s.EndTime.IsZero() && !s.EndTime.After(req.From) {
					continue
				}
				bar := SessionBar{ID: s.ID.String(), Name: s.Name, Start: s.CreationTime, State: s.State.String(), Result: s.Result.String()}
				if !s.EndTime.IsZero() {
					e := s.EndTime
					bar.End = &e
				}
				r := &tl.Rows[index[s.PolicyID]]
				r.Sessions = append(r.Sessions, bar)
			}
		}
	}
	for _, r := range tl.Rows {
		for _, c := range r.Cells {
			tl.Tasks += c.Success + c.Warning + c.Failed + c.Running
		}
	}
	return tl, nil
}

func nonNil(c []Cell) []Cell {
	if c == nil {
		return []Cell{}
	}
	return c
}
