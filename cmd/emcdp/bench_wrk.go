package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emcdp/emcdp/loadgen"
)

// The wrk driver sends a scenario's requests through wrk
// (https://github.com/wg/wrk, Debian package wrk), a C load generator that
// costs the machine less CPU per request than package loadgen: on a machine
// whose cores the client shares with the server, the ratio to the ceiling
// is then less compressed by the client's own work.

//go:embed bench_wrk.lua
var wrkLua string

// wrkInstallHint says how to get wrk.
const wrkInstallHint = "install it (Debian and Ubuntu: apt-get install wrk; elsewhere https://github.com/wg/wrk) or use --driver go"

// findWrk returns the path of the wrk executable, or an error that says how
// to install it.
func findWrk() (string, error) {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return "", fmt.Errorf("--driver wrk needs wrk, which is not on PATH: %s", wrkInstallHint)
	}
	return p, nil
}

// wrkPlan is one scenario's requests as wrk sends them: one method and one
// set of headers for all, and the paths that each request draws one of.
type wrkPlan struct {
	method string
	header http.Header
	paths  []string
}

// wrkMaxPaths bounds the distinct paths of a plan (and so the script's
// size): the Go driver draws ids from 10,000 sampled ones.
const wrkMaxPaths = 10_000

// planWrk draws the requests of a scenario from its generator, with the
// same kind of random source the Go driver gives it, until wrkMaxPaths
// distinct paths are found or four times as many draws are made (a
// generator of one path yields one). header is sent with every request;
// the generator's own headers win, as in package loadgen. wrk sends one
// method and header set, so a generator that varies them, or sends a body,
// is refused.
func planWrk(next loadgen.Generator, header http.Header) (*wrkPlan, error) {
	r := rand.New(rand.NewPCG(1, 0))
	var p *wrkPlan
	seen := map[string]bool{}
	for range 4 * wrkMaxPaths {
		rq := next(r)
		if rq.Body != nil {
			return nil, errors.New("the wrk driver sends no request bodies")
		}
		method := rq.Method
		if method == "" {
			method = http.MethodGet
		}
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range rq.Header {
			h[k] = v
		}
		if p == nil {
			p = &wrkPlan{method: method, header: h}
		} else if method != p.method || !sameHeader(h, p.header) {
			return nil, fmt.Errorf("the wrk driver needs one method and header set per scenario, got %s and %s", p.method, method)
		}
		if !seen[rq.Path] {
			seen[rq.Path] = true
			p.paths = append(p.paths, rq.Path)
			if len(p.paths) == wrkMaxPaths {
				break
			}
		}
	}
	return p, nil
}

func sameHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// script returns the Lua script that makes wrk send the plan: the plan as
// Lua globals, then the embedded bench_wrk.lua.
func (p *wrkPlan) script() string {
	var b strings.Builder
	b.WriteString("-- written by emcdp bench\nemcdp_method = " + luaQuote(p.method) + "\nemcdp_headers = {\n")
	names := make([]string, 0, len(p.header))
	for k := range p.header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		b.WriteString("  [" + luaQuote(k) + "] = " + luaQuote(strings.Join(p.header[k], ", ")) + ",\n")
	}
	b.WriteString("}\nemcdp_paths = {\n")
	for _, path := range p.paths {
		b.WriteString("  " + luaQuote(path) + ",\n")
	}
	b.WriteString("}\n\n")
	b.WriteString(wrkLua)
	return b.String()
}

// luaQuote returns s as a Lua string literal: printable ASCII as is, the
// quote and backslash escaped, every other byte as a decimal escape.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// wrkResult is what the script's done() writes: wrk's totals over the run.
type wrkResult struct {
	Requests   int64 `json:"requests"`
	Made       int64 `json:"made"` // the requests the script's request() returned
	DurationUs int64 `json:"durationUs"`
	Bytes      int64 `json:"bytes"`
	Errors     struct {
		Connect int64 `json:"connect"`
		Read    int64 `json:"read"`
		Write   int64 `json:"write"`
		Status  int64 `json:"status"`
		Timeout int64 `json:"timeout"`
	} `json:"errors"`
	LatencyUs struct {
		Min  float64 `json:"min"`
		Max  float64 `json:"max"`
		Mean float64 `json:"mean"`
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
	} `json:"latencyUs"`
}

const wrkMarker = "EMCDP-WRK "

// parseWrkOutput finds the result line among wrk's output.
func parseWrkOutput(out []byte) (*wrkResult, error) {
	for _, line := range strings.Split(string(out), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), wrkMarker)
		if !ok {
			continue
		}
		var r wrkResult
		if err := json.Unmarshal([]byte(rest), &r); err != nil {
			return nil, fmt.Errorf("wrk's result line %q: %w", rest, err)
		}
		if r.Requests < 0 || r.DurationUs < 0 || r.Bytes < 0 {
			return nil, fmt.Errorf("wrk's result line %q: negative totals", rest)
		}
		if r.Made < r.Requests {
			return nil, fmt.Errorf("wrk's result line %q: wrk counted more answers than the script made requests, so it sent some of its own", rest)
		}
		return &r, nil
	}
	return nil, fmt.Errorf("wrk printed no result line; its output:\n%s", strings.TrimSpace(string(out)))
}

// stat turns wrk's totals into the report's figures. wrk counts as status
// errors the answers of status 400 and above, and its bytes include the
// status lines and headers.
func (r *wrkResult) stat(sc scenario, conns int) scenarioStat {
	ms := func(us float64) float64 { return math.Round(us) / 1000 }
	st := scenarioStat{
		Name: sc.name, Driver: "wrk", Request: sc.what, Connections: conns, Requests: r.Requests,
		P50: ms(r.LatencyUs.P50), P90: ms(r.LatencyUs.P90), P99: ms(r.LatencyUs.P99), Max: ms(r.LatencyUs.Max),
		StatusErrors: r.Errors.Status, Bytes: r.Bytes,
		TransportErrors: r.Errors.Connect + r.Errors.Read + r.Errors.Write + r.Errors.Timeout,
	}
	if r.DurationUs > 0 {
		st.RPS = float64(r.Requests) / (float64(r.DurationUs) / 1e6)
	}
	if r.Requests > 0 {
		st.MeanBody = r.Bytes / r.Requests
	}
	var errs []string
	for _, e := range []struct {
		n    int64
		what string
	}{
		{r.Errors.Status, "answers of status 400 or above"}, {r.Errors.Connect, "connect errors"},
		{r.Errors.Read, "read errors"}, {r.Errors.Write, "write errors"}, {r.Errors.Timeout, "timeouts"},
	} {
		if e.n > 0 {
			errs = append(errs, fmt.Sprintf("%d %s", e.n, e.what))
		}
	}
	if len(errs) > 0 {
		st.FirstError = "wrk: " + strings.Join(errs, ", ")
	}
	return st
}

// wrkSeconds rounds d up to whole seconds, at least one: wrk takes its
// duration and timeout in whole seconds.
func wrkSeconds(d time.Duration) string {
	s := max(1, int64(math.Ceil(d.Seconds())))
	return strconv.FormatInt(s, 10) + "s"
}

// wrkArgs returns wrk's arguments for conns connections over d: as many
// threads as processors, at most one per connection.
func wrkArgs(conns int, d, timeout time.Duration, script, url string) []string {
	threads := min(conns, runtime.NumCPU())
	return []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", wrkSeconds(d),
		"--timeout", wrkSeconds(timeout), "-s", script, url}
}

// runWrk drives a scenario through wrk: the warm-up (if any), then the
// measured run, each a wrk process of its own.
func (b *bench) runWrk(ctx context.Context, sc scenario) (scenarioStat, error) {
	plan, err := planWrk(sc.next, http.Header{"X-RestSvcSessionId": {b.token}})
	if err != nil {
		return scenarioStat{}, fmt.Errorf("%s: %w", sc.name, err)
	}
	f, err := os.CreateTemp("", "emcdp-bench-*.lua")
	if err != nil {
		return scenarioStat{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(plan.script()); err != nil {
		f.Close()
		return scenarioStat{}, err
	}
	if err := f.Close(); err != nil {
		return scenarioStat{}, err
	}
	run := func(d time.Duration) (*wrkResult, error) {
		cmd := exec.CommandContext(ctx, b.s.wrkPath, wrkArgs(sc.conns, d, b.s.timeout, f.Name(), b.srv.url+"/")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%s: wrk: %v: %s%s", sc.name, err, stderr.String(), out)
		}
		r, err := parseWrkOutput(out)
		if err != nil {
			return nil, fmt.Errorf("%s: %w%s", sc.name, err, stderr.String())
		}
		return r, nil
	}
	if b.s.warmup > 0 {
		if _, err := run(b.s.warmup); err != nil {
			return scenarioStat{}, err
		}
	}
	r, err := run(b.s.duration)
	if err != nil {
		return scenarioStat{}, err
	}
	if r.Requests == 0 && r.Errors.Connect+r.Errors.Read+r.Errors.Write+r.Errors.Timeout+r.Errors.Status == 0 {
		fmt.Fprintf(b.log, "%-12s wrk counted no answer: one takes longer than the window; give a longer --duration\n", sc.name)
	}
	return r.stat(sc, sc.conns), nil
}
