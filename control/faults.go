package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Duration is a time.Duration written in JSON as Go duration text ("250ms", "6h").
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads duration text, or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return errors.New(`a duration is text like "250ms" or "6h", or a number of seconds`)
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: write it like 250ms, 30s or 6h", s)
	}
	*d = Duration(v)
	return nil
}

// Rule is a fault to inject into the requests it matches. A rule matches on
// method, path, query type and user; it then delays the request, and
// answers it with Status, drops the connection, truncates or slows the body
// (at most one of the four), with probability Probability, for Count
// requests.
type Rule struct {
	ID string `json:"id"` // given by the server

	// Method ("" any) and Path match the request; Path is matched on the
	// lower-cased path, "*" standing for any characters ("" any path), e.g.
	// "/api/query*" or "/api/cdppolicies/*".
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// QueryType matches the type parameter of the query service
	// (case-insensitive); User matches the user a request authenticates as.
	QueryType string `json:"queryType,omitempty"`
	User      string `json:"user,omitempty"`

	// Delay holds the request back before it is served; with DelayMax the
	// delay is drawn uniformly from Delay…DelayMax.
	Delay    Duration `json:"delay,omitempty"`
	DelayMax Duration `json:"delayMax,omitempty"`
	// Status answers with this HTTP status (400…599) and an Error body in
	// the format the client asked for; Message is its text.
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Truncate sends the headers and half the body, then closes the connection.
	Truncate bool `json:"truncate,omitempty"`
	// SlowBody spreads the body over this long.
	SlowBody Duration `json:"slowBody,omitempty"`

	// Probability of applying to a matching request (0 means 1).
	Probability float64 `json:"probability,omitempty"`
	// Count is how many requests the rule applies to before it is removed
	// (0: no limit); Remaining counts down.
	Count     int `json:"count,omitempty"`
	Remaining int `json:"remaining,omitempty"`
	// Hits counts the requests the rule was applied to.
	Hits int `json:"hits"`
}

// Limits of the fault rules, so that a client cannot make the server hold
// unbounded state or requests.
const (
	MaxRules = 100
	MaxDelay = 5 * time.Minute
)

// kind names what a rule does, for logs and metrics.
func (r *Rule) kind() string {
	switch {
	case r.Status != 0:
		return "status"
	case r.Drop:
		return "drop"
	case r.Truncate:
		return "truncate"
	case r.SlowBody > 0:
		return "slow_body"
	}
	return "delay"
}

// check validates a rule a client sent.
func (r *Rule) check() error {
	n := 0
	if r.Status != 0 {
		n++
		if r.Status < 400 || r.Status > 599 {
			return fmt.Errorf("status %d: a fault status is 400…599", r.Status)
		}
	}
	for _, b := range []bool{r.Drop, r.Truncate, r.SlowBody > 0} {
		if b {
			n++
		}
	}
	if n > 1 {
		return errors.New("a rule does at most one of status, drop, truncate and slowBody")
	}
	if n == 0 && r.Delay <= 0 && r.DelayMax <= 0 {
		return errors.New("a rule needs an effect: delay, status, drop, truncate or slowBody")
	}
	if r.Delay < 0 || r.DelayMax < 0 || r.SlowBody < 0 {
		return errors.New("durations must not be negative")
	}
	if r.DelayMax > 0 && r.DelayMax < r.Delay {
		return errors.New("delayMax must not be less than delay")
	}
	for _, d := range []Duration{r.Delay, r.DelayMax, r.SlowBody} {
		if time.Duration(d) > MaxDelay {
			return fmt.Errorf("durations are at most %v", MaxDelay)
		}
	}
	if r.Probability < 0 || r.Probability > 1 {
		return errors.New("probability is 0…1")
	}
	if r.Count < 0 {
		return errors.New("count must not be negative")
	}
	if len(r.Path) > 1024 || len(r.Message) > 1024 || len(r.User) > 256 || len(r.Method) > 16 || len(r.QueryType) > 64 {
		return errors.New("a rule's text fields are too long")
	}
	return nil
}

// Faults holds the fault rules, in the order they were added.
type Faults struct {
	mu    sync.Mutex
	rules []*Rule
	seq   int
}

// Add validates r, gives it an id and appends it.
func (f *Faults) Add(r Rule) (Rule, error) {
	if err := r.check(); err != nil {
		return Rule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) >= MaxRules {
		return Rule{}, fmt.Errorf("at most %d fault rules; remove some first", MaxRules)
	}
	f.seq++
	r.ID = strconv.Itoa(f.seq)
	r.Method = strings.ToUpper(r.Method)
	r.Path = strings.ToLower(r.Path)
	r.Remaining, r.Hits = r.Count, 0
	f.rules = append(f.rules, &r)
	return r, nil
}

// List returns a copy of the rules.
func (f *Faults) List() []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Rule, 0, len(f.rules))
	for _, r := range f.rules {
		out = append(out, *r)
	}
	return out
}

// Remove deletes the rule with id and tells whether there was one.
func (f *Faults) Remove(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.ID == id {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// needsUser tells whether a rule matches on the user, so that the user of
// a request must be found before it is served.
func (f *Faults) needsUser() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.User != "" {
			return true
		}
	}
	return false
}

// take returns a copy of the first rule that matches the request and wins
// its draw, counting it down; ok is false when none applies. user finds the
// request's user (a store read for a request by token); it is called once,
// only when a rule matches on the user, and before the rules' lock is
// taken, which every request of the server takes.
func (f *Faults) take(r *http.Request, user func() string) (Rule, bool) {
	name := ""
	if f.needsUser() {
		name = user()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) == 0 {
		return Rule{}, false
	}
	path := strings.ToLower(r.URL.Path)
	for i, rule := range f.rules {
		if rule.Method != "" && rule.Method != r.Method {
			continue
		}
		if rule.Path != "" && !wildcard(rule.Path, path) {
			continue
		}
		if rule.QueryType != "" && !strings.EqualFold(queryType(r), rule.QueryType) {
			continue
		}
		if rule.User != "" && !strings.EqualFold(name, rule.User) {
			continue
		}
		if rule.Probability > 0 && rule.Probability < 1 && rand.Float64() >= rule.Probability {
			continue
		}
		rule.Hits++
		if rule.Count > 0 {
			rule.Remaining--
			if rule.Remaining <= 0 {
				f.rules = append(f.rules[:i], f.rules[i+1:]...)
			}
		}
		return *rule, true
	}
	return Rule{}, false
}

// queryType returns the type parameter of a request, matched leniently.
func queryType(r *http.Request) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, "type") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// wildcard matches s against pattern, where "*" stands for any run of
// characters (slashes included). It backtracks only to the last star, so
// it takes time proportional to len(pattern)*len(s) at worst.
func wildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// delay returns how long the rule holds a request back.
func (r *Rule) delay() time.Duration {
	d := time.Duration(r.Delay)
	if r.DelayMax > r.Delay {
		d += rand.N(time.Duration(r.DelayMax - r.Delay))
	}
	return d
}
