package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/wire"
)

// BenchCeilingPath is the hidden route that Config.BenchRoute turns on. It
// answers GET with a fixed task-session entity, without authentication, a
// store or an encoder, so that a benchmark can measure what the transport
// alone (TLS, HTTP/1.1, the same server settings) costs for a body of that
// size: the ceiling that the real endpoints are compared with.
const BenchCeilingPath = "/api/_bench/ceiling"

// ceilingBody returns the XML entity of a typical ended task session as
// clients at 127.0.0.1 receive it, so that the ceiling's body has the size
// and shape of the most requested real answer.
func ceilingBody() []byte {
	created := time.Date(2026, 6, 15, 23, 0, 6, 510_000_000, time.UTC)
	ts := &emcdp.TaskSession{
		ID:                emcdp.NewID(),
		Name:              emcdp.SessionName("sql-prod-01", created),
		PolicySessionID:   emcdp.NewID(),
		PolicySessionName: emcdp.SessionName("CDP Tier-1 SQL", created.Add(-8*time.Hour)),
		PolicyID:          emcdp.NewID(),
		BackupServerID:    emcdp.NewID(),
		BackupServerName:  "vbr-east.lab.local",
		VmDisplayName:     "sql-prod-01",
		CreationTime:      created,
		EndTime:           created.Add(8*time.Hour + 1500*time.Millisecond),
		State:             emcdp.TaskCompleted,
		Result:            emcdp.ResultSuccess,
		TotalSize:         17179869184,
	}
	enc := wire.Encoder{Format: wire.XML}
	return enc.TaskSession(nil, "https://127.0.0.1:9398/api", ts, wire.Entity)
}

// serveCeiling answers the ceiling route and reports whether r was for it.
func (h *Handler) serveCeiling(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != BenchCeilingPath || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	hd := w.Header()
	hd["Content-Type"] = []string{"application/xml; charset=utf-8"}
	hd["Content-Length"] = []string{strconv.Itoa(len(h.ceiling))}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(h.ceiling)
	}
	return true
}
