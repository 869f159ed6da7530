// Package client is a small Go client of the Enterprise Manager REST API as
// emcdp serves it: logon and logoff, GET of any path or Href as JSON, and the
// query service with paging. Tests, the benchmark and package emcdptest use
// it rather than hand-rolling HTTP.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// SessionHeader carries the logon session's token.
const SessionHeader = "X-RestSvcSessionId"

// Client talks to one server. It is safe for concurrent use once logged on.
type Client struct {
	// Base is the server's root URL, e.g. "https://127.0.0.1:9398" (a
	// trailing "/api" is tolerated).
	Base string
	// HTTP sends the requests; nil: http.DefaultClient.
	HTTP *http.Client
	// Accept is the format asked for (default "application/json").
	Accept string

	mu      sync.Mutex
	token   string
	session string // the logon session's Href
}

// New returns a client of the server at base.
func New(base string, hc *http.Client) *Client {
	return &Client{Base: base, HTTP: hc}
}

// Error is an answer with a status other than the one expected.
type Error struct {
	Status    int
	Message   string // the Error body's Message, or the body itself
	RequestID string // the server's X-Request-Id
}

func (e *Error) Error() string {
	if e.RequestID != "" {
		return fmt.Sprintf("HTTP %d: %s (request %s)", e.Status, e.Message, e.RequestID)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// StatusOf returns the HTTP status of an *Error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func (c *Client) root() string {
	b := strings.TrimRight(c.Base, "/")
	return strings.TrimSuffix(b, "/api")
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Token returns the logon session's token, "" before Logon.
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// SetToken makes the client use a token obtained elsewhere.
func (c *Client) SetToken(tok string) {
	c.mu.Lock()
	c.token = tok
	c.mu.Unlock()
}

// Logon opens a logon session with Basic credentials; later requests carry
// its token.
func (c *Client) Logon(ctx context.Context, user, password string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.root()+"/api/sessionMngr/?v=latest", nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Accept", "application/json")
	var ls struct {
		Href  string
		Links []struct{ Href, Rel string }
	}
	resp, err := c.do(req, http.StatusCreated, &ls)
	if err != nil {
		return fmt.Errorf("logon: %w", err)
	}
	tok := resp.Header.Get(SessionHeader)
	if tok == "" {
		return errors.New("logon: the answer carries no " + SessionHeader)
	}
	c.mu.Lock()
	c.token, c.session = tok, ls.Href
	c.mu.Unlock()
	return nil
}

// Logoff ends the logon session.
func (c *Client) Logoff(ctx context.Context) error {
	c.mu.Lock()
	href := c.session
	c.mu.Unlock()
	if href == "" {
		return errors.New("logoff: not logged on")
	}
	req, err := c.newRequest(ctx, http.MethodDelete, href)
	if err != nil {
		return err
	}
	if _, err := c.do(req, http.StatusNoContent, nil); err != nil {
		return fmt.Errorf("logoff: %w", err)
	}
	c.mu.Lock()
	c.token, c.session = "", ""
	c.mu.Unlock()
	return nil
}

// Get reads a path below the root ("/api/cdpPolicies") or an absolute Href
// into v (a JSON decoding target; nil discards the body).
func (c *Client) Get(ctx context.Context, pathOrHref string, v any) error {
	req, err := c.newRequest(ctx, http.MethodGet, pathOrHref)
	if err != nil {
		return err
	}
	_, err = c.do(req, http.StatusOK, v)
	return err
}

// GetBytes reads a path or an absolute Href and returns the body as it
// came, in the format Accept asks for.
func (c *Client) GetBytes(ctx context.Context, pathOrHref string) ([]byte, error) {
	req, err := c.newRequest(ctx, http.MethodGet, pathOrHref)
	if err != nil {
		return nil, err
	}
	var raw rawBody
	_, err = c.do(req, http.StatusOK, &raw)
	return raw, err
}

// rawBody is a decoding target of do that keeps the body undecoded.
type rawBody []byte

// Follow reads the resource a link points at; it is Get of an Href.
func (c *Client) Follow(ctx context.Context, href string, v any) error { return c.Get(ctx, href, v) }

func (c *Client) newRequest(ctx context.Context, method, pathOrHref string) (*http.Request, error) {
	u := pathOrHref
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = c.root() + "/" + strings.TrimLeft(u, "/")
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if tok := c.Token(); tok != "" {
		req.Header[SessionHeader] = []string{tok}
	}
	accept := c.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	return req, nil
}

// maxBody bounds an answer the client reads.
const maxBody = 1 << 30

// do sends req and decodes a JSON answer with status want into v.
func (c *Client) do(req *http.Request, want int, v any) (*http.Response, error) {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp, fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return resp, &Error{Status: resp.StatusCode, Message: errorMessage(body), RequestID: resp.Header.Get("X-Request-Id")}
	}
	if raw, ok := v.(*rawBody); ok {
		*raw = body
		return resp, nil
	}
	if v != nil && len(body) > 0 {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if err := json.Unmarshal(body, v); err != nil {
			return resp, fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Path, err)
		}
	}
	return resp, nil
}

// errorMessage returns the Message of an Error body (either profile), or
// the start of the body.
func errorMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), &m) == nil {
		for k, v := range m {
			if strings.EqualFold(k, "Message") {
				var s string
				if json.Unmarshal(v, &s) == nil {
					return s
				}
			}
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// Query is a request to the query service (GET /api/query).
type Query struct {
	Type     string // e.g. "CdpReplicaTaskSession"
	Filter   string // e.g. "Result==Failed"; "" selects all
	SortAsc  string // a field to sort ascending by
	SortDesc string // a field to sort descending by
	PageSize int    // 0: the server's default
	Refs     bool   // ask for references instead of entities
}

// Page is one page of a query's answer.
type Page struct {
	Items                         []json.RawMessage // the entities (or references) on the page
	PageNum, PageSize, PagesCount int
}

// QueryPage reads page n (1-based) of q.
func (c *Client) QueryPage(ctx context.Context, q Query, n int) (*Page, error) {
	v := url.Values{}
	v.Set("type", q.Type)
	if q.Refs {
		v.Set("format", "References")
	} else {
		v.Set("format", "Entities")
	}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.SortAsc != "" {
		v.Set("sortAsc", q.SortAsc)
	}
	if q.SortDesc != "" {
		v.Set("sortDesc", q.SortDesc)
	}
	if q.PageSize > 0 {
		v.Set("pageSize", strconv.Itoa(q.PageSize))
	}
	v.Set("page", strconv.Itoa(n))
	var raw map[string]json.RawMessage
	if err := c.Get(ctx, "/api/query?"+v.Encode(), &raw); err != nil {
		return nil, err
	}
	return parsePage(raw)
}

// QueryAll reads every page of q, calling fn with each item in order.
func (c *Client) QueryAll(ctx context.Context, q Query, fn func(item json.RawMessage) error) error {
	for n := 1; ; n++ {
		p, err := c.QueryPage(ctx, q, n)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if n >= p.PagesCount || len(p.Items) == 0 {
			return nil
		}
	}
}

// field returns the value of key in m, matched case-insensitively (the v13
// profile writes camelCase keys).
func field(m map[string]json.RawMessage, key string) json.RawMessage {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// parsePage takes the items out of a QueryResult: Refs.Refs, or the one
// list under Entities that is not null.
func parsePage(raw map[string]json.RawMessage) (*Page, error) {
	p := &Page{}
	var paging map[string]json.RawMessage
	if err := json.Unmarshal(field(raw, "PagingInfo"), &paging); err != nil {
		return nil, fmt.Errorf("query: the answer has no PagingInfo: %w", err)
	}
	for key, dst := range map[string]*int{"PageNum": &p.PageNum, "PageSize": &p.PageSize, "PagesCount": &p.PagesCount} {
		if v := field(paging, key); v != nil {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("query: PagingInfo.%s: %w", key, err)
			}
		}
	}
	var outer map[string]json.RawMessage
	if refs := field(raw, "Refs"); len(refs) > 0 && string(refs) != "null" {
		if err := json.Unmarshal(refs, &outer); err != nil {
			return nil, fmt.Errorf("query: Refs: %w", err)
		}
		return p, json.Unmarshal(field(outer, "Refs"), &p.Items)
	}
	if err := json.Unmarshal(field(raw, "Entities"), &outer); err != nil {
		return nil, fmt.Errorf("query: the answer has neither Refs nor Entities: %w", err)
	}
	for _, list := range outer {
		if string(list) == "null" {
			continue
		}
		var inner map[string][]json.RawMessage
		if err := json.Unmarshal(list, &inner); err != nil {
			return nil, fmt.Errorf("query: Entities: %w", err)
		}
		for _, items := range inner {
			p.Items = append(p.Items, items...)
		}
	}
	return p, nil
}
