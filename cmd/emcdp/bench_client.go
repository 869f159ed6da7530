package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/client"
)

func basicCredentials(user, pw string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
}

// queryPage is the part of a JSON QueryResult of task-session entities
// that the benchmark reads.
type queryPage struct {
	Entities *struct {
		CdpReplicaTaskSessions *struct {
			CdpReplicaTaskSessions []struct {
				UID             string
				VmDisplayName   string
				CreationTimeUTC string
			}
		}
	}
	PagingInfo struct{ PagesCount int }
}

// samplePages is how many pages of 1000 task sessions are read, spread
// evenly from the oldest to the newest, to draw ids and VM names from.
const samplePages = 10

// discover counts the task sessions and samples ids, VM names and days
// through the query service, as a client would.
func (b *bench) discover(ctx context.Context) (*discovery, error) {
	var count queryPage
	if err := b.api.Get(ctx, querySessions+"&pageSize=1", &count); err != nil {
		return nil, err
	}
	d := &discovery{Total: count.PagingInfo.PagesCount}
	if d.Total == 0 {
		return nil, errors.New("the dataset holds no task sessions")
	}
	pages := (d.Total + 999) / 1000
	seenVM := map[string]bool{}
	seenPage := map[int]bool{}
	for i := range samplePages {
		p := 1
		if samplePages > 1 {
			p = 1 + i*(pages-1)/(samplePages-1)
		}
		if seenPage[p] {
			continue
		}
		seenPage[p] = true
		var qp queryPage
		path := querySessions + "&format=Entities&sortAsc=CreationTimeUTC&pageSize=1000&page=" + strconv.Itoa(p)
		if err := b.api.Get(ctx, path, &qp); err != nil {
			return nil, err
		}
		if qp.Entities == nil || qp.Entities.CdpReplicaTaskSessions == nil {
			return nil, fmt.Errorf("GET %s: no task sessions in the answer", path)
		}
		for _, t := range qp.Entities.CdpReplicaTaskSessions.CdpReplicaTaskSessions {
			id := t.UID[strings.LastIndexByte(t.UID, ':')+1:]
			if id == "" {
				return nil, fmt.Errorf("GET %s: a task session without UID", path)
			}
			d.IDs = append(d.IDs, id)
			if !seenVM[t.VmDisplayName] {
				seenVM[t.VmDisplayName] = true
				d.VMs = append(d.VMs, t.VmDisplayName)
			}
			c, err := time.Parse(time.RFC3339Nano, t.CreationTimeUTC)
			if err != nil {
				return nil, fmt.Errorf("GET %s: CreationTimeUTC %q: %w", path, t.CreationTimeUTC, err)
			}
			if d.First.IsZero() || c.Before(d.First) {
				d.First = c
			}
			if c.After(d.Last) {
				d.Last = c
			}
		}
	}
	if len(d.IDs) == 0 {
		return nil, errors.New("the query service returned no task sessions")
	}
	d.Days = wholeDays(d.First, d.Last)
	d.MidPage = min(5000, max(1, (d.Total+99)/100/2))
	xml := client.New(b.api.Base, b.api.HTTP)
	xml.SetToken(b.token)
	xml.Accept = "application/xml"
	body, err := xml.GetBytes(ctx, "/api/cdpReplicaTaskSessions/"+d.IDs[0]+"?format=Entity")
	if err != nil {
		return nil, err
	}
	d.BodySize = len(body)
	return d, nil
}

// wholeDays returns the UTC days that lie entirely between first and last,
// or first's day when there is none.
func wholeDays(first, last time.Time) []time.Time {
	const day = 24 * time.Hour
	var days []time.Time
	for d := first.UTC().Truncate(day).Add(day); !d.Add(day).After(last); d = d.Add(day) {
		days = append(days, d)
	}
	if len(days) == 0 {
		days = append(days, first.UTC().Truncate(day))
	}
	return days
}
