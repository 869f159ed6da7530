package console

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
)

//go:embed assets
var assets embed.FS

// LogonPage names the console's logon page, which the server answers at the
// console's address to a browser that has not logged on: a form that hands
// the control token to the server (logon.js) and nothing of the console.
const LogonPage = "logon.html"

// LogonFile tells whether the file name (relative to the console's address)
// is one the logon page loads, which the server serves without credentials.
func LogonFile(name string) bool { return name == "logon.js" || name == "style.css" }

// Serve answers a GET or HEAD of the console's file name (relative to the
// console's address; "" is the console's page, index.html) and reports true,
// or writes nothing and reports false when there is no such file. Every file
// carries a Content-Security-Policy that lets the pages load nothing but the
// server's own files; the files are whole answers (no ranges, no
// conditional requests: they are a few KiB).
func Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) {
		return false
	}
	body, err := fs.ReadFile(assets, path.Join("assets", name))
	if err != nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return true
}
