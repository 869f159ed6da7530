package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/emcdp/emcdp/api"
	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/control"
	"github.com/emcdp/emcdp/emcdptest"
	"github.com/emcdp/emcdp/server"
)

// chromium finds a Chromium or Chrome binary: $EMCDP_CHROMIUM, or one on
// the PATH. Without one the browser tests skip, except under CI=true where
// they fail.
func chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("EMCDP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's chromium package, or set EMCDP_CHROMIUM to a Chrome binary); the console's browser tests did not run"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screenshots returns the folder screenshots go to: $EMCDP_SCREENSHOTS, or a
// folder of the test's own.
func screenshots(t *testing.T) string {
	dir := os.Getenv("EMCDP_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser drives one headless Chromium tab and collects what the page
// reports as errors.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	mu   sync.Mutex
	errs []string
}

// tab starts a headless Chromium with one tab of w×h, closed when tb ends.
func tab(tb testing.TB, w, h int) context.Context {
	exe := chromium(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.WindowSize(w, h),
		chromedp.NoSandbox, chromedp.Flag("disable-gpu", true), chromedp.Flag("lang", "en-US"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	tb.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

func newBrowser(t *testing.T, w, h int) *browser {
	ctx := tab(t, w, h)
	b := &browser{t: t, ctx: ctx, dir: screenshots(t)}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.errs = append(b.errs, "exception: "+ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errs = append(b.errs, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError || ev.Entry.Level == log.LevelWarning {
				b.errs = append(b.errs, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	b.run(log.Enable(), chromedp.EmulateViewport(int64(w), int64(h)))
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.t.Fatalf("browser: %v (the page reported: %q)", err, b.errs)
	}
}

// eval evaluates a JavaScript expression into v.
func (b *browser) eval(js string, v any) {
	b.t.Helper()
	b.run(chromedp.Evaluate(js, v))
}

// shot saves the whole page as a PNG, or with viewport only what the window
// shows.
func (b *browser) shot(name string, viewport ...bool) {
	b.t.Helper()
	var png []byte
	if len(viewport) > 0 && viewport[0] {
		b.run(chromedp.CaptureScreenshot(&png))
	} else {
		b.run(chromedp.FullScreenshot(&png, 100)) // quality 100: PNG
	}
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}

// noErrors fails the test on every error the page reported, and on a view
// that shows a JavaScript absence (null, undefined, NaN) as text.
func (b *browser) noErrors() {
	b.t.Helper()
	var bad []string
	b.eval(`document.getElementById('view').innerText.match(/\b(null|undefined|NaN)\b/g) || []`, &bad)
	if len(bad) > 0 {
		b.t.Errorf("the view shows %q", bad)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("the page reported: %s", e)
	}
	b.errs = nil
}

// apiTotal asks the EM API's query service for the number of rows that the
// query string q (type=…&filter=…) selects.
func apiTotal(t *testing.T, srv *emcdptest.Server, q string) int {
	t.Helper()
	c := srv.Client(t) // a fresh logon: advancing the clock expires the older ones
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.QueryPage(context.Background(), client.Query{Type: v.Get("type"), Filter: v.Get("filter"), PageSize: 1}, 1)
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if len(p.Items) == 0 {
		return 0
	}
	return p.PagesCount
}

// login opens the console and gives it the control token.
func (b *browser) login(srv *emcdptest.Server) {
	b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", srv.ControlToken, chromedp.ByID),
		chromedp.Click(`#login-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#counts", chromedp.ByID))
}

func TestConsoleInBrowser(t *testing.T) {
	chromium(t)
	srv := emcdptest.Start(t, emcdptest.WithHTTP())
	b := newBrowser(t, 1280, 800)

	// Without the token the address answers the logon page, and nothing of
	// the console; a wrong token is refused on the page.
	b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#timeline"), chromedp.WaitVisible("#login-form", chromedp.ByID))
	var console bool
	b.eval(`document.getElementById('view') !== null || document.querySelector('script[src="app.js"]') !== null`, &console)
	if console {
		t.Error("before logging on the page holds the console")
	}
	var refused string
	b.run(chromedp.SendKeys("#token", "wrong", chromedp.ByID), chromedp.Click(`#login-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#login-error:not(:empty)", chromedp.ByQuery), chromedp.Text("#login-error", &refused, chromedp.ByID))
	if !strings.Contains(refused, "refused") {
		t.Errorf("a wrong token shows %q", refused)
	}
	var cleared string
	b.eval(`document.getElementById('token').value = ''`, &cleared)
	b.mu.Lock()
	b.errs = nil // the browser logs the refused logon's 401
	b.mu.Unlock()
	b.login(srv)

	t.Run("overview", func(t *testing.T) {
		b.t = t
		var counts []struct {
			N     int
			Query string
		}
		b.eval(`[...document.querySelectorAll('#counts td[data-n]')].map(td => ({N: +td.dataset.n, Query: td.dataset.query}))`, &counts)
		if len(counts) != 30 {
			t.Fatalf("%d counts on the overview, want 30 (all, three results and running, of six session types)", len(counts))
		}
		nonzero := 0
		for _, n := range counts {
			if got := apiTotal(t, srv, n.Query); got != n.N {
				t.Errorf("overview shows %d for %s; the query service answers %d", n.N, n.Query, got)
			}
			if n.N > 0 {
				nonzero++
			}
		}
		if nonzero < 3 {
			t.Errorf("only %d of the overview's counts are above 0; the seeded world should fill more", nonzero)
		}
		var text []string
		b.eval(`[...document.querySelectorAll('#counts td[data-n]')].map(td => td.textContent)`, &text)
		for i, s := range text {
			if !strings.HasSuffix(strings.ReplaceAll(s, ",", ""), fmt.Sprint(counts[i].N)) {
				t.Errorf("count %d reads %q on the page, want %d", i, s, counts[i].N)
			}
		}
		var kinds map[string]string
		b.eval(`Object.fromEntries([...document.querySelectorAll('#totals dd')].map(d => [d.dataset.kind, d.textContent.replace(/,/g, '')]))`, &kinds)
		for k, s := range kinds {
			if got := apiTotal(t, srv, "type="+k); fmt.Sprint(got) != s {
				t.Errorf("overview shows %s %s; the query service counts %d", s, k, got)
			}
		}
		var runs string
		b.eval(`document.querySelector('#report dd').textContent.replace(/,/g, '')`, &runs)
		var js struct{ TotalJobRuns int }
		if err := srv.Client(t).Get(context.Background(), "/api/reports/summary/job_statistics", &js); err != nil {
			t.Fatal(err)
		}
		if runs != fmt.Sprint(js.TotalJobRuns) {
			t.Errorf("overview shows %s job runs; the summary report %d", runs, js.TotalJobRuns)
		}
		var jobs, repos int
		b.eval(`document.querySelectorAll('#jobs tbody tr').length`, &jobs)
		b.eval(`document.querySelectorAll('#repositories tbody tr').length`, &repos)
		if want := apiTotal(t, srv, "type=Job"); jobs != want || want == 0 {
			t.Errorf("overview lists %d jobs, the API %d", jobs, want)
		}
		if want := apiTotal(t, srv, "type=Repository"); repos != want || want == 0 {
			t.Errorf("overview lists %d repositories, the API %d", repos, want)
		}
		var policies int
		b.eval(`document.querySelectorAll('#policies tbody tr').length`, &policies)
		if want := apiTotal(t, srv, "type=CdpPolicy"); policies != want {
			t.Errorf("overview lists %d policies, the API %d", policies, want)
		}
		b.shot("overview.png", true) // what the window shows
		b.shot("overview-full.png")
		b.noErrors()
	})

	// timelineCount reads the timeline's count of task sessions and its window.
	timelineCount := func(t *testing.T) (n int, from, to string) {
		var v struct {
			N        int
			From, To string
		}
		b.eval(`(() => { const e = document.getElementById('tl-tasks'); return {N: +e.dataset.n, From: e.dataset.from, To: e.dataset.to}; })()`, &v)
		q := url.Values{"type": {"CdpReplicaTaskSession"}, "filter": {fmt.Sprintf("CreationTime>=%q;CreationTime<%q", v.From, v.To)}}
		if got := apiTotal(t, srv, q.Encode()); got != v.N {
			t.Errorf("timeline %s…%s shows %d task sessions; the query service counts %d", v.From, v.To, v.N, got)
		}
		return v.N, v.From, v.To
	}
	// barWidth is the share of the timeline the first policy's sessions cover.
	barWidth := func() float64 {
		var w float64
		b.eval(`[...document.querySelector('.tl-row[data-policy] .bars').children].reduce((s, a) => s + parseFloat(a.style.width), 0)`, &w)
		return w
	}

	var before float64
	var beforeTo string
	t.Run("timeline", func(t *testing.T) {
		b.t = t
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#timeline"), chromedp.WaitVisible("#tl-tasks", chromedp.ByID))
		n, _, _ := timelineCount(t)
		if n == 0 {
			t.Error("the 7-day timeline counts no task session")
		}
		// Expanding a policy shows its VMs.
		b.run(chromedp.Click(".tl-row[data-policy] .expand", chromedp.ByQuery), chromedp.WaitVisible(".tl-row.vm", chromedp.ByQuery))
		b.shot("timeline.png")
		// The jobs' rows count their backup and replica task sessions.
		b.run(chromedp.Click(`//button[text()="Jobs"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//button[text()="Jobs"][@aria-pressed="true"]`, chromedp.BySearch),
			chromedp.WaitVisible("#tl-tasks", chromedp.ByID))
		var jv struct {
			N        int
			From, To string
		}
		b.eval(`(() => { const e = document.getElementById('tl-tasks'); return {N: +e.dataset.n, From: e.dataset.from, To: e.dataset.to}; })()`, &jv)
		want := 0
		for _, k := range []string{"BackupTaskSession", "ReplicaTaskSession"} {
			q := url.Values{"type": {k}, "filter": {fmt.Sprintf("CreationTime>=%q;CreationTime<%q", jv.From, jv.To)}}
			want += apiTotal(t, srv, q.Encode())
		}
		if jv.N != want || want == 0 {
			t.Errorf("the jobs' timeline shows %d task sessions, the query service counts %d", jv.N, want)
		}
		b.shot("timeline-jobs.png")
		b.run(chromedp.Click(`//button[text()="CDP policies"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//button[text()="CDP policies"][@aria-pressed="true"]`, chromedp.BySearch),
			chromedp.WaitVisible("#tl-tasks", chromedp.ByID))
		// 30 days hold the whole seeded history.
		b.run(chromedp.Click(`//button[text()="30 days"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//button[text()="30 days"][@aria-pressed="true"]`, chromedp.BySearch),
			chromedp.WaitVisible("#tl-tasks", chromedp.ByID))
		_, _, beforeTo = timelineCount(t)
		before = barWidth()
		if before <= 0 {
			t.Fatal("the first policy shows no session bar")
		}
		b.noErrors()
	})

	t.Run("advance an hour", func(t *testing.T) {
		b.t = t
		clock0 := srv.Clock().Now()
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#controls"), chromedp.WaitVisible("#advance-1h", chromedp.ByID),
			chromedp.Click("#advance-1h", chromedp.ByID),
			chromedp.WaitVisible(`//p[@id="control-status"][contains(., "Advance 1h: done")]`, chromedp.BySearch))
		if d := srv.Clock().Now().Sub(clock0); d != time.Hour {
			t.Fatalf("the world clock moved %v, want 1h", d)
		}
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#timeline"), chromedp.WaitVisible("#tl-tasks", chromedp.ByID))
		_, _, to := timelineCount(t)
		t0, _ := time.Parse(time.RFC3339, beforeTo)
		t1, _ := time.Parse(time.RFC3339, to)
		if t1.Sub(t0) != time.Hour {
			t.Errorf("the timeline ends at %s, an advance of 1 h after %s", to, beforeTo)
		}
		after := barWidth()
		// an hour of a 30-day window is 100/720 %
		if grew := after - before; grew < 0.12 || grew > 0.16 {
			t.Errorf("the first policy's sessions grew from %.3f%% to %.3f%% of the timeline, want about 0.139%% more", before, after)
		}
		b.noErrors()
	})

	t.Run("failed session", func(t *testing.T) {
		b.t = t
		c := srv.Client(t)
		p, err := c.QueryPage(context.Background(), client.Query{Type: "CdpReplicaSession", Filter: "Result==Failed", PageSize: 1}, 1)
		if err != nil || len(p.Items) == 0 {
			t.Fatalf("no failed policy session in the demo world: %v", err)
		}
		var s struct{ UID string }
		if err := jsonUnmarshal(p.Items[0], &s); err != nil {
			t.Fatal(err)
		}
		id := s.UID[strings.LastIndexByte(s.UID, ':')+1:]
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#session/"+id), chromedp.WaitVisible("#tasks", chromedp.ByID))
		var result string
		var failedRows, rows int
		b.eval(`document.querySelector('dd[data-field="Result"]').textContent`, &result)
		b.eval(`document.querySelectorAll('#tasks tbody tr[data-result="Failed"]').length`, &failedRows)
		b.eval(`document.querySelectorAll('#tasks tbody tr').length`, &rows)
		if result != "Failed" {
			t.Errorf("the detail shows result %q, want Failed", result)
		}
		q := url.Values{"type": {"CdpReplicaTaskSession"}, "filter": {`PolicySessionUid=="` + s.UID + `"`}}
		if want := apiTotal(t, srv, q.Encode()); rows != want {
			t.Errorf("the detail lists %d task sessions, the API %d", rows, want)
		}
		q.Set("filter", q.Get("filter")+";Result==Failed")
		if want := apiTotal(t, srv, q.Encode()); failedRows != want || want == 0 {
			t.Errorf("the detail lists %d failed task sessions, the API %d", failedRows, want)
		}
		// The URLs it gives answer as it says, in XML and in JSON.
		var urls []struct{ URL, Accept string }
		b.eval(`[...document.querySelectorAll('.urls li')].map(li => ({URL: li.querySelector('code.url').textContent, Accept: li.querySelector('.fmt').textContent === 'JSON' ? 'application/json' : 'application/xml'}))`, &urls)
		if len(urls) != 6 {
			t.Fatalf("%d URLs, want 6", len(urls))
		}
		for _, u := range urls {
			if !strings.HasPrefix(u.URL, srv.HTTPURL+"/api/") {
				t.Errorf("URL %s is not on the server the page came from", u.URL)
				continue
			}
			var body any
			if u.Accept == "application/json" {
				if err := c.Get(context.Background(), u.URL, &body); err != nil {
					t.Errorf("GET %s: %v", u.URL, err)
				}
			}
		}
		b.shot("session-failed.png", true)
		b.noErrors()
	})

	t.Run("journal", func(t *testing.T) {
		b.t = t
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#journal"), chromedp.WaitVisible("#journal", chromedp.ByID))
		c := srv.Client(t)
		var list any
		if err := c.Get(context.Background(), "/api/backupServers?marker=console-test", &list); err != nil {
			t.Fatal(err)
		}
		// It appears without a reload.
		b.run(chromedp.WaitVisible(`//td[contains(., "marker=console-test")]`, chromedp.BySearch))
		b.run(chromedp.SendKeys(`input[name="path"]`, "backupservers", chromedp.ByQuery),
			chromedp.Sleep(500*time.Millisecond))
		var paths []string
		b.eval(`[...document.querySelectorAll('#journal tbody td.path')].map(td => td.textContent)`, &paths)
		if len(paths) == 0 {
			t.Error("filtering on backupservers shows nothing")
		}
		for _, p := range paths {
			if !strings.Contains(strings.ToLower(p), "backupservers") {
				t.Errorf("filtered journal shows %s", p)
			}
		}
		b.shot("journal.png")
		b.noErrors()
	})

	t.Run("controls", func(t *testing.T) {
		b.t = t
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#controls"), chromedp.WaitVisible("#faults", chromedp.ByID),
			chromedp.Click(`//button[text()="Add a rule"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//table[@id="faults"]/tbody/tr`, chromedp.BySearch))
		if rules := srv.Faults().List(); len(rules) != 1 || rules[0].Status != 503 || rules[0].Path != "/api/query*" {
			t.Errorf("after adding a rule through the page the server holds %+v", rules)
		}
		// An episode on a VM: its task session fails when the episode ends.
		b.run(chromedp.SendKeys(`input[name="vm"]`, "sql-prod-02", chromedp.ByQuery),
			chromedp.SendKeys(`input[name="reason"]`, "Started from the console", chromedp.ByQuery),
			chromedp.Click(`//button[text()="VM failing its RPO"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//p[@id="control-status"][contains(., "sql-prod-02: done")]`, chromedp.BySearch))
		b.shot("controls.png")
		srv.Faults().Clear()
		start := srv.Clock().Now()
		srv.Advance(t, time.Hour)
		q := url.Values{"type": {"CdpReplicaTaskSession"}, "filter": {fmt.Sprintf(`VmDisplayName=="sql-prod-02";Result==Failed;Reason=="Started from the console";EndTime>=%q`, start.Format(time.RFC3339))}}
		if n := apiTotal(t, srv, q.Encode()); n != 1 {
			t.Errorf("after the 30 min episode on sql-prod-02 and an hour, %d failed task sessions of it ended, want 1", n)
		}
		// Reset, confirmed.
		b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#controls"), chromedp.WaitVisible("#faults", chromedp.ByID))
		b.eval(`window.confirm = () => true; true`, new(bool))
		b.run(chromedp.Click(`//button[text()="Reset the world"]`, chromedp.BySearch),
			chromedp.WaitVisible(`//p[@id="control-status"][contains(., "Reset: done")]`, chromedp.BySearch))
		if n := apiTotal(t, srv, q.Encode()); n != 0 {
			t.Errorf("after the reset the episode's failed task session is still there (%d)", n)
		}
		b.noErrors()
	})

	t.Run("narrow", func(t *testing.T) {
		b.t = t
		b.run(chromedp.EmulateViewport(390, 844))
		for _, view := range []string{"overview", "timeline", "journal", "controls"} {
			b.run(chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#"+view), chromedp.WaitReady("#view[aria-busy=false]", chromedp.ByQuery),
				chromedp.Sleep(200*time.Millisecond))
			var overflow bool
			b.eval(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow)
			if overflow {
				var wide []string
				b.eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll')).slice(0, 5).map(e => e.tagName + '.' + e.className)`, &wide)
				t.Errorf("%s: the page is wider than a 390 px window: %v", view, wide)
			}
			if view == "overview" || view == "timeline" {
				b.shot(view + "-narrow.png")
			}
		}
		b.noErrors()
	})

	t.Run("logoff", func(t *testing.T) {
		b.t = t
		b.run(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#overview"),
			chromedp.WaitVisible("#counts", chromedp.ByID), chromedp.Click("#logout", chromedp.ByID),
			chromedp.WaitVisible("#login-form", chromedp.ByID),
			chromedp.Navigate(srv.HTTPURL+"/_emcdp/ui/#overview"), chromedp.WaitVisible("#login-form", chromedp.ByID))
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errs {
			t.Errorf("the page reported: %s", e)
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// BenchmarkPageLoad times the console in Chromium from opening the page to
// the overview's and the 7-day timeline's numbers on screen, over the world
// of $EMCDP_BENCH_SQLITE (see benchStore) served as "emcdp serve" serves it.
func BenchmarkPageLoad(b *testing.B) {
	st, _ := benchStore(b)
	token := "bench"
	s, err := server.New(context.Background(), server.Config{Store: st, Paused: true,
		HTTP:    api.ServerConfig{Addr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", DataDir: b.TempDir(), SweepInterval: -1},
		Control: control.Config{Enabled: true, Token: token}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	br := tab(b, 1280, 800)
	load := func(view, ready string) time.Duration {
		start := time.Now()
		if err := chromedp.Run(br, chromedp.Navigate("about:blank"), chromedp.Navigate(s.HTTPURL()+"/_emcdp/ui/#"+view),
			chromedp.WaitVisible(ready, chromedp.ByQuery)); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	if err := chromedp.Run(br, chromedp.Navigate(s.HTTPURL()+"/_emcdp/ui/"), chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", token, chromedp.ByID), chromedp.Click(`#login-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#counts", chromedp.ByID)); err != nil {
		b.Fatal(err)
	}
	var overview, timeline time.Duration
	b.ResetTimer()
	for b.Loop() {
		overview += load("overview", "#counts")
		timeline += load("timeline", "#tl-tasks")
	}
	b.ReportMetric(float64(overview.Milliseconds())/float64(b.N), "overview-ms")
	b.ReportMetric(float64(timeline.Milliseconds())/float64(b.N), "timeline7d-ms")
}
