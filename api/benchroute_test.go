package api

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestBenchRouteOffByDefault(t *testing.T) {
	h := newHandler(Config{})
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "https://127.0.0.1/api/_bench/ceiling", nil))
		if rec.Code != http.StatusNotFound {
			t.Fatalf("%s without BenchRoute: status %d, want 404", m, rec.Code)
		}
	}
}

func TestBenchRouteOn(t *testing.T) {
	h := newHandler(Config{BenchRoute: true})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://127.0.0.1"+BenchCeilingPath, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 (no authentication)", rec.Code)
	}
	body := rec.Body.Bytes()
	if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Fatalf("Content-Length %q, body %d bytes", got, len(body))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	// The body is a real task-session entity of the usual size.
	if len(body) < 1000 || len(body) > 2000 || !bytes.Contains(body, []byte("<CdpReplicaTaskSession ")) {
		t.Fatalf("body of %d bytes is not a task-session entity:\n%s", len(body), body)
	}
	if err := xml.Unmarshal(body, new(struct{})); err != nil {
		t.Fatalf("body is not well-formed XML: %v", err)
	}
	// It is the same body every time.
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest(http.MethodGet, "https://127.0.0.1"+BenchCeilingPath, nil))
	if !bytes.Equal(rec2.Body.Bytes(), body) {
		t.Fatal("the ceiling body changed between requests")
	}
	// HEAD has the headers only; other methods and paths go to the API.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "https://127.0.0.1"+BenchCeilingPath, nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("HEAD: status %d, %d body bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "https://127.0.0.1"+BenchCeilingPath, nil))
	if rec.Code == http.StatusOK {
		t.Fatal("POST to the ceiling route should not be served by it")
	}
}
