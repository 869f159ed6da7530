package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func basicCredentials(user, pw string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
}

// logon opens a logon session for the bench user and returns its token.
func (b *bench) logon(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.url+"/api/sessionMngr/?v=latest", nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(benchUser, b.password)
	resp, err := b.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("logon: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("logon: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	tok := resp.Header.Get("X-RestSvcSessionId")
	if tok == "" {
		return "", errors.New("logon: the answer carries no X-RestSvcSessionId")
	}
	return tok, nil
}

// get reads path as JSON into v, or the body's size when v is nil.
func (b *bench) get(ctx context.Context, path string, accept string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.url+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header["X-RestSvcSessionId"] = []string{b.token}
	req.Header.Set("Accept", accept)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: HTTP %d: %.300s", path, resp.StatusCode, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return 0, fmt.Errorf("GET %s: %w", path, err)
		}
	}
	return len(body), nil
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
	if _, err := b.get(ctx, querySessions+"&pageSize=1", "application/json", &count); err != nil {
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
		if _, err := b.get(ctx, path, "application/json", &qp); err != nil {
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
	n, err := b.get(ctx, "/api/cdpReplicaTaskSessions/"+d.IDs[0]+"?format=Entity", "application/xml", nil)
	if err != nil {
		return nil, err
	}
	d.BodySize = n
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
