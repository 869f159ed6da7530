package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

// FuzzPath sends random methods, paths, query strings and headers through
// the handler. Whatever arrives, the answer is never a 500 or a panic, and
// always carries a body with a matching Content-Length (204 aside).
// Its seed corpus is in testdata/fuzz/FuzzPath.
func FuzzPath(f *testing.F) {
	fx := newFixture(f)
	ids := []string{fx.srv.ID.String(), fx.pol.ID.String(), fx.ps[0].ID.String(), fx.ts[0].ID.String(), fx.pol.Includes[0].ID.String()}
	f.Add("GET", "/api/cdpReplicaTaskSessions/"+ids[3], "format=Entity", "application/json", uint8(2), uint8(3))
	f.Add("GET", "/api//cdpPolicies/"+ids[1]+"/includes/"+ids[4], "", "", uint8(1), uint8(0))
	f.Add("POST", "/api/sessionMngr", "v=latest", "*/*", uint8(1), uint8(0))
	f.Add("DELETE", "/api/logonSessions/"+ids[2], "", "", uint8(2), uint8(0))
	f.Add("GET", "/api/query", "type=CdpReplicaTaskSession&filter=State==InProgress;TotalSize>=1&sortDesc=CreationTime&pageSize=2&page=3", "application/json", uint8(2), uint8(0))
	f.Add("GET", "/API/BACKUPSERVERS/"+ids[0]+"/", "FORMAT=ENTITY", "text/xml", uint8(2), uint8(0))
	f.Add("PUT", "/api/cdpReplicaSessions/%zz", "format=%", "", uint8(2), uint8(2))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, accept string, authMode, idSlot uint8) {
		if len(path) > 2048 || len(rawQuery) > 4096 {
			return
		}
		// Splice a real id into the path now and then so that deep routes are reached.
		if idSlot > 0 && int(idSlot) <= len(ids) {
			path += "/" + ids[idSlot-1]
		}
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{},
			Host: "example.com", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody}
		if !validMethod(method) {
			r.Method = "GET"
		}
		r.Header.Set("Accept", accept)
		switch authMode % 4 {
		case 1:
			r.SetBasicAuth("operator", fx.secret)
		case 2:
			ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "operator", UserKey: "operator", Created: now, LastSeen: now}
			if err := fx.st.CreateLogonSession(context.Background(), ls); err != nil {
				t.Fatal(err)
			}
			r.Header.Set(auth.SessionHeader, auth.Token(ls.ID))
		case 3:
			r.Header.Set(auth.SessionHeader, accept)
		}
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q ? %q: %d %s", method, path, rawQuery, w.Code, w.Body)
		}
		if w.Code == http.StatusNoContent {
			return
		}
		if w.Body.Len() == 0 || w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
			t.Fatalf("%s %q: Content-Length %q for %d bytes", method, path, w.Header().Get("Content-Length"), w.Body.Len())
		}
	})
}

// validMethod reports whether m is an HTTP token, as the server requires
// of every request it hands to a handler.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '/' || c == ':' || c == '"' || c == '@' {
			return false
		}
	}
	return true
}
