package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/action"
	"github.com/emcdp/emcdp/auth"
	"github.com/emcdp/emcdp/storetest"
	"github.com/emcdp/emcdp/wire"
	"golang.org/x/crypto/bcrypt"
)

// TestWriteErrorGoldens answers the refused writes of actions.md §2.3 and
// compares each Error body byte for byte with the hand-written files of
// testdata/vbr2, in XML and JSON v12; the store is unchanged afterwards.
func TestWriteErrorGoldens(t *testing.T) {
	f := newFixture(t)
	f.addAdmin(t)
	pol := "/api/cdpPolicies/" + f.pol.ID.String()
	missing := "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
	outOfOrder, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "vbr2", "request.cdpPolicy.put-outoforder.xml"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := f.st.CdpPolicy(context.Background(), f.pol.ID)
	for _, c := range []struct {
		golden         string
		method, target string
		user           string
		ctype, body    string
	}{
		{"error.403", "POST", pol + "?action=disable", "operator", "", ""},
		{"error.unknownAction-cdp", "POST", pol + "?action=start", "admin", "", ""},
		{"error.unknownAction-job", "POST", "/api/jobs/" + missing + "?action=sync", "admin", "", ""},
		{"error.noCdpPolicy", "POST", "/api/cdpPolicies/" + missing + "?action=disable", "admin", "", ""},
		{"error.noJob", "POST", "/api/jobs/" + missing + "?action=start", "admin", "", ""},
		{"error.noTask", "GET", "/api/tasks/task-9", "admin", "", ""},
		{"error.badTaskId", "GET", "/api/tasks/job-7", "admin", "", ""},
		{"error.contentType", "PUT", pol, "admin", "text/plain", "{}"},
		{"error.bodyTooLarge", "PUT", pol, "admin", "application/json", `{"Description":"` + strings.Repeat("x", maxBody) + `"}`},
		{"error.elementOrder", "PUT", pol, "admin", "application/xml", string(outOfOrder)},
		{"error.unknownElement", "PUT", pol, "admin", "application/xml", "<CdpPolicy><Colour>red</Colour></CdpPolicy>"},
		{"error.invalidBody", "PUT", pol, "admin", "application/json", `{"PolicyScheduleOptions":{"CdpReplica":{"RecoveryPointObjectiveSeconds":1,"RecoveryPointObjectiveMinutes":0}}}`},
		{"error.405", "PATCH", pol, "admin", "", ""},
	} {
		for _, js := range []bool{false, true} {
			pw := map[string]string{"operator": f.secret, "admin": "admin-pw"}[c.user]
			hdr := map[string]string{}
			if c.ctype != "" {
				hdr["Content-Type"] = c.ctype
			}
			w := f.do(t, req{method: c.method, target: c.target, user: c.user, pw: pw, json: js, header: hdr, body: strings.NewReader(c.body)})
			name := c.golden + ".xml.golden"
			if js {
				name = c.golden + ".v12.json.golden"
			}
			want, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "vbr2", name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("%s %s: %d\n got: %s\nwant: %s", c.method, c.target, w.Code, w.Body.Bytes(), want)
			}
		}
	}
	after, _ := f.st.CdpPolicy(context.Background(), f.pol.ID)
	if after.ScheduleEnabled != before.ScheduleEnabled || after.Description != before.Description || after.Options != before.Options {
		t.Errorf("a refused write changed the policy")
	}
	if ts, _ := f.st.DueTasks(context.Background(), now.Add(1<<40), 10); len(ts) != 0 {
		t.Errorf("refused writes left %d tasks", len(ts))
	}
}

// TestAllowTable checks the Allow header of every served path of
// testdata/vbr2/allow405.golden (actions.md §1); paths of kinds not served
// yet are skipped.
func TestAllowTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "wire", "testdata", "vbr2", "allow405.golden"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		path, allow, _ := strings.Cut(line, "\t")
		p := strings.NewReplacer("{id}", "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f", "{taskId}", "task-1").Replace(path)
		segs, _ := splitPath("/api"+p, nil)
		rt, _ := match(segs, nil)
		if rt == nil {
			continue
		}
		checked++
		if rt.allow != allow {
			t.Errorf("%s: Allow %q; want %q", path, rt.allow, allow)
		}
	}
	if checked < 20 {
		t.Errorf("only %d paths checked", checked)
	}
}

// TestTaskBound fills one logon session with action.MaxTasks Running tasks:
// the next write is refused with a 503 and an Error body, and stores
// nothing, since no task can be dropped before it has finished.
func TestTaskBound(t *testing.T) {
	f := newFixture(t)
	f.addAdmin(t)
	f.h = newHandler(Config{Store: f.st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock},
		Actions: &action.Service{Store: f.st, World: f.clock, Delay: time.Hour}})
	w := f.do(t, req{method: "POST", target: "/api/sessionMngr/?v=latest", user: "admin", pw: "admin-pw"})
	tok, _ := tokenOf(t, w.Header(), w.Body.Bytes())
	pol := "/api/cdpPolicies/" + f.pol.ID.String() + "?action=disable"
	for i := 0; i < action.MaxTasks; i++ {
		if w := f.do(t, req{method: "POST", target: pol, token: tok}); w.Code != http.StatusAccepted {
			t.Fatalf("write %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	for _, js := range []bool{false, true} {
		w := f.do(t, req{method: "POST", target: pol, token: tok, json: js})
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("a write beyond the bound: %d %v %s", w.Code, w.Header(), w.Body)
		}
	}
	w = f.do(t, req{target: "/api/tasks", token: tok, json: true})
	if n := strings.Count(w.Body.String(), `"TaskId"`); n != action.MaxTasks {
		t.Errorf("the session holds %d tasks, want %d", n, action.MaxTasks)
	}
}

// TestEditNumbersDoNotWrap sends PUT bodies whose numbers, multiplied into
// seconds or minutes by the validation, would wrap around 64 bits into the
// allowed range (2^62+1 minutes is 60 seconds after the wrap): each must be
// refused with a 400 and store nothing. A whole number in a body is at
// most 2,147,483,647, the real product's 32-bit integers.
func TestEditNumbersDoNotWrap(t *testing.T) {
	f := newFixture(t)
	f.addAdmin(t)
	const wraps = "4611686018427387905" // 2^62+1: times 60 is 60 modulo 2^64
	pol := "/api/cdpPolicies/" + f.pol.ID.String()
	before, _ := f.st.CdpPolicy(context.Background(), f.pol.ID)
	for _, body := range []string{
		`{"PolicyScheduleOptions":{"CdpReplica":{"RecoveryPointObjectiveSeconds":0,"RecoveryPointObjectiveMinutes":` + wraps + `}}}`,
		`{"PolicyScheduleOptions":{"CdpReplica":{"ShortTermRetentionMinutes":0,"ShortTermRetentionHours":` + wraps + `}}}`,
		`{"PolicyScheduleOptions":{"CdpReplica":{"RPOReporting":{"MarkAsWarning":{"Enabled":true,"RPOThresholdSeconds":0,"RPOThresholdMinutes":` + wraps + `},"MarkAsFailed":{"Enabled":true,"RPOThresholdSeconds":120,"RPOThresholdMinutes":0}}}}}`,
	} {
		for _, js := range []bool{false, true} {
			w := f.do(t, req{method: "PUT", target: pol, user: "admin", pw: "admin-pw", json: js,
				header: map[string]string{"Content-Type": "application/json"}, body: strings.NewReader(body)})
			if w.Code != http.StatusBadRequest || errorStatus(t, w) != http.StatusBadRequest {
				t.Errorf("%s: %d %s", body, w.Code, w.Body)
			}
		}
	}
	after, _ := f.st.CdpPolicy(context.Background(), f.pol.ID)
	if after.Options != before.Options {
		t.Errorf("a refused edit changed the options: %+v", after.Options)
	}
}

// failingRepositories is a real store whose reads of a repository fail as a
// store that went away would.
type failingRepositories struct{ emcdp.Store }

func (s failingRepositories) Resource(ctx context.Context, k emcdp.Kind, id emcdp.ID) (any, error) {
	if k == emcdp.KindRepository {
		return nil, errors.New("database is closed")
	}
	return s.Store.Resource(ctx, k, id)
}

// TestCloneRepositoryReadFails clones a backup job while the store cannot
// read repositories: the answer is the 500 of a server fault, not a 400
// telling the client that its RepositoryUid names no repository, which it
// would then look for in vain.
func TestCloneRepositoryReadFails(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	f.addAdmin(t)
	job, repo := backupJobAndRepository(t, d)
	body := `<JobCloneSpec><BackupJobCloneInfo><JobName>copy</JobName><FolderName>copy</FolderName>` +
		`<RepositoryUid>urn:veeam:Repository:` + repo.ID.String() + `</RepositoryUid></BackupJobCloneInfo></JobCloneSpec>`
	target := "/api/jobs/" + job.ID.String() + "?action=clone"
	st := failingRepositories{f.st}
	f.h = newHandler(Config{Store: st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock}})
	w := f.do(t, req{method: "POST", target: target, user: "admin", pw: "admin-pw",
		header: map[string]string{"Content-Type": "application/xml"}, body: strings.NewReader(body)})
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "names no repository") {
		t.Errorf("a failed repository read: %d %s", w.Code, w.Body)
	}
	// The same body against the working store is accepted.
	f.h = newHandler(Config{Store: f.st, Clock: f.clock, Auth: &auth.Service{Store: f.st, Clock: f.clock}})
	w = f.do(t, req{method: "POST", target: target, user: "admin", pw: "admin-pw",
		header: map[string]string{"Content-Type": "application/xml"}, body: strings.NewReader(body)})
	if w.Code != http.StatusAccepted {
		t.Errorf("a clone into the job's repository: %d %s", w.Code, w.Body)
	}
}

// TestWriteTextBounded sends writes whose free text is longer than the
// bounds: a VM reference, and a clone's description, folder and file name,
// each of which a task keeps with its parameters (and the include or the
// clone then keeps) up to the 1 MiB of a body. Each is a 400, and stores
// no task.
func TestWriteTextBounded(t *testing.T) {
	f, d := vbrFixture(t, wire.V12)
	f.addAdmin(t)
	job, repo := backupJobAndRepository(t, d)
	long := strings.Repeat("x", 1025)
	clone := func(folder, desc string) string {
		return `<JobCloneSpec><BackupJobCloneInfo><JobName>copy</JobName><FolderName>` + folder + `</FolderName>` +
			`<RepositoryUid>urn:veeam:Repository:` + repo.ID.String() + `</RepositoryUid><Description>` + desc +
			`</Description></BackupJobCloneInfo></JobCloneSpec>`
	}
	for _, c := range []struct{ target, body string }{
		{"/api/cdpPolicies/" + f.pol.ID.String() + "/includes",
			`<CreateObjectInJobSpec><HierarchyObjRef>urn:VMware:Vm:` + long + `</HierarchyObjRef><HierarchyObjName>vm</HierarchyObjName></CreateObjectInJobSpec>`},
		{"/api/jobs/" + job.ID.String() + "?action=clone", clone(long, "d")},
		{"/api/jobs/" + job.ID.String() + "?action=clone", clone("f", long)},
	} {
		w := f.do(t, req{method: "POST", target: c.target, user: "admin", pw: "admin-pw",
			header: map[string]string{"Content-Type": "application/xml"}, body: strings.NewReader(c.body)})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "at most") {
			t.Errorf("POST %s with %d bytes: %d %.300s", c.target, len(c.body), w.Code, w.Body)
		}
	}
	if ts, _ := f.st.Tasks(context.Background(), "user:admin"); len(ts) != 0 {
		t.Errorf("refused writes left %d tasks", len(ts))
	}
}

// backupJobAndRepository returns a backup job of d and a repository of its
// backup server, which a clone of the job may name.
func backupJobAndRepository(t *testing.T, d *storetest.Dataset) (*emcdp.Job, *emcdp.Repository) {
	t.Helper()
	for i := range d.Jobs {
		if d.Jobs[i].JobType != emcdp.JobBackup {
			continue
		}
		for k := range d.Repositories {
			if d.Repositories[k].BackupServerID == d.Jobs[i].BackupServerID {
				return &d.Jobs[i], &d.Repositories[k]
			}
		}
	}
	t.Fatal("the dataset has no backup job with a repository of its server")
	return nil, nil
}

// addAdmin stores the Portal Administrator "admin" with the password
// "admin-pw".
func (f *fixture) addAdmin(t testing.TB) {
	t.Helper()
	h, _ := bcrypt.GenerateFromPassword([]byte("admin-pw"), bcrypt.MinCost)
	if err := f.st.PutUser(context.Background(), &emcdp.User{Name: "admin", PasswordHash: string(h), Role: emcdp.RolePortalAdministrator}); err != nil {
		t.Fatal(err)
	}
}
