package control

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// guardedPlane returns a control plane whose token is "s3cret", with at
// most max wrong tokens a minute, and a clock that the test moves.
func guardedPlane(t *testing.T, max int) (http.Handler, *Plane, *time.Time) {
	t.Helper()
	p, err := New(Config{World: &World{}, Enabled: true, Token: "s3cret", MaxTokenFailures: max, TokenFailureWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p.guard.now = func() time.Time { return now }
	return p.Wrap(http.NotFoundHandler()), p, &now
}

// guess sends token through the bearer header (a read of the fault rules)
// or the console's logon and returns the answer.
func guess(h http.Handler, logon bool, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", Prefix+"faults", nil)
	if logon {
		b, _ := json.Marshal(map[string]string{"token": token})
		r = httptest.NewRequest("POST", Prefix+"ui/logon", strings.NewReader(string(b)))
	} else {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestTokenGuesses: after the limit of wrong control tokens within the
// window, through the bearer header or the console's logon (counted
// together), every token check, the right token's too, answers 429 with
// the control API's JSON error and Retry-After until the oldest failure
// leaves the window; then the token works again.
func TestTokenGuesses(t *testing.T) {
	const max = 3
	for _, first := range []bool{false, true} {
		h, _, now := guardedPlane(t, max)
		right := map[bool]int{false: http.StatusOK, true: http.StatusNoContent}
		for i := range max {
			logon := first != (i == max-1) // the last failure through the other path
			if w := guess(h, logon, "s3cret"); w.Code != right[logon] {
				t.Fatalf("logon=%v: the token after %d wrong ones = %d %s", logon, i, w.Code, w.Body)
			}
			if w := guess(h, logon, "secret"+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
				t.Fatalf("logon=%v: wrong token %d = %d, want 401", logon, i, w.Code)
			}
			*now = now.Add(10 * time.Second)
		}
		// The first failure was 30 s ago: it leaves the window in 30 s.
		for _, logon := range []bool{false, true} {
			for _, token := range []string{"s3cret", "guess"} {
				w := guess(h, logon, token)
				var e struct{ Error string }
				if w.Code != http.StatusTooManyRequests || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" ||
					w.Header().Get("Retry-After") != "30" {
					t.Errorf("logon=%v %q while locked out = %d %q %s, want 429 with Retry-After 30 and a JSON error",
						logon, token, w.Code, w.Header().Get("Retry-After"), w.Body)
				}
			}
		}
		*now = now.Add(30*time.Second - time.Millisecond)
		if w := guess(h, first, "s3cret"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
			t.Errorf("logon=%v: 1 ms before the window passes = %d Retry-After %q, want 429 with 1", first, w.Code, w.Header().Get("Retry-After"))
		}
		*now = now.Add(time.Millisecond)
		for _, logon := range []bool{false, true} {
			if w := guess(h, logon, "s3cret"); w.Code != right[logon] {
				t.Errorf("logon=%v: the token once the window passed = %d %s", logon, w.Code, w.Body)
			}
		}
		// One failure left the window: one more wrong token locks again.
		if w := guess(h, first, "again"); w.Code != http.StatusUnauthorized {
			t.Errorf("logon=%v: a wrong token = %d, want 401", first, w.Code)
		}
		if w := guess(h, !first, "s3cret"); w.Code != http.StatusTooManyRequests {
			t.Errorf("logon=%v: the token after another failure = %d, want 429", first, w.Code)
		}
	}
}

// TestTokenGuessesBounded: guesses at once pass the limit no more than one
// after another, and the guard keeps no more than the limit's failures
// however many wrong tokens come, over however long.
func TestTokenGuessesBounded(t *testing.T) {
	const max = 5
	h, p, now := guardedPlane(t, max)
	codes := make(chan int, 64)
	var wg sync.WaitGroup
	for i := range cap(codes) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- guess(h, i%2 == 0, "guess"+strconv.Itoa(i)).Code
		}()
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[http.StatusUnauthorized] != max || n[http.StatusTooManyRequests] != cap(codes)-max {
		t.Errorf("answers to %d wrong tokens at once: %v, want %d 401 and the rest 429", cap(codes), n, max)
	}
	for i := range 1000 {
		*now = now.Add(13 * time.Second)
		guess(h, false, "guess"+strconv.Itoa(i))
	}
	if len(p.guard.fails) > max {
		t.Errorf("the guard keeps %d failures, want at most %d", len(p.guard.fails), max)
	}
}
