package api

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

// benchQuery measures the handler answering GET path with the query of the
// bench's scenarios, on the benchmark store.
func benchQuery(b *testing.B, path string) {
	st := benchStore(b)
	defer st.Close()
	ctx := context.Background()
	svc := &auth.Service{Store: st, Clock: emcdp.SystemClock{}}
	ls := &emcdp.LogonSession{ID: emcdp.NewID(), UserName: "bench", UserKey: "bench", Created: time.Now().UTC(), LastSeen: time.Now().UTC()}
	if err := st.CreateLogonSession(ctx, ls); err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "https://127.0.0.1:9398/api/"+path, nil)
	r.Header.Set(auth.SessionHeader, auth.Token(ls.ID))
	serveLoop(b, NewHandler(Config{Store: st, Auth: svc}), r)
}

// BenchmarkQueryDay: a whole day's window, the first page of 100.
func BenchmarkQueryDay(b *testing.B) {
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -20)
	f := `CreationTimeUTC>="` + day.Format(time.RFC3339) + `";CreationTimeUTC<"` + day.AddDate(0, 0, 1).Format(time.RFC3339) + `"`
	benchQuery(b, "query?type=CdpReplicaTaskSession&filter="+url.QueryEscape(f)+"&pageSize=100")
}

// BenchmarkQueryDeepPage: the middle page of 100 in creation order, newest
// first (page 5000, as the bench reads, of a store named by benchStoreEnv).
func BenchmarkQueryDeepPage(b *testing.B) {
	page := "500"
	if os.Getenv(benchStoreEnv) != "" {
		page = "5000"
	}
	benchQuery(b, "query?type=CdpReplicaTaskSession&sortDesc=CreationTimeUTC&page="+page+"&pageSize=100")
}

// BenchmarkQueryVM: a VM's sessions of Warning and worse, the first page of
// 100 (of a VM of a store named by benchStoreEnv, named "hana-401" there).
func BenchmarkQueryVM(b *testing.B) {
	vm := "vm-03-04"
	if os.Getenv(benchStoreEnv) != "" {
		vm = "hana-401"
	}
	benchQuery(b, "query?type=CdpReplicaTaskSession&filter="+url.QueryEscape(`VmDisplayName=="`+vm+`";Result>=Warning`)+"&pageSize=100")
}

// BenchmarkCollection: every task session of the session window.
func BenchmarkCollection(b *testing.B) {
	benchQuery(b, "cdpReplicaTaskSessions")
}
