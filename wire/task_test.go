package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	emcdp "github.com/emcdp/emcdp"
)

// taskCases are the tasks of testdata/vbr2/README.md ("The write side").
func taskCases(t *testing.T) map[string]func(e Encoder) []byte {
	w := newVBRWorld(t)
	bjs3 := w.js[2]
	policyID := mustID(t, "cf0986f8-af75-4755-a1c1-8eaed60763f9")
	cloneID := mustID(t, "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a")
	t12r := emcdp.Task{Num: 12, State: emcdp.OpRunning, Operation: "StartJob"}
	t12 := emcdp.Task{Num: 12, State: emcdp.OpFinished, Operation: "StartJob", Success: true,
		Message: `Job "SQL Daily" triggered to start.`,
		Related: emcdp.TaskRelated{Type: "BackupJobSession", ID: bjs3.ID, Name: bjs3.Name}}
	t13 := emcdp.Task{Num: 13, State: emcdp.OpFinished, Operation: "UpdateCdpPolicy", Success: true, Message: "Ok",
		Related: emcdp.TaskRelated{Type: "CdpPolicy", ID: policyID, Name: "CDP Tier-1 SQL"}}
	t14 := emcdp.Task{Num: 14, State: emcdp.OpFinished, Operation: "UpdateCdpPolicy",
		Message: `VM "sql-prod-01" is already processed by CDP policy "CDP Tier-1 SQL".`}
	t15 := emcdp.Task{Num: 15, State: emcdp.OpFinished, Operation: "CloneJob", Success: true, Message: "Ok",
		Related: emcdp.TaskRelated{Type: "Job", ID: cloneID, Name: "SQL Daily (clone)"}}
	t16 := emcdp.Task{Num: 16, State: emcdp.OpFinished, Operation: "StartJob",
		Message: `Job "FS & Print <legacy>" is disabled.`}
	t17 := emcdp.Task{Num: 17, State: emcdp.OpRunning, Operation: "EditCdpPolicy"}
	all := []emcdp.Task{t12, t13, t14, t15, t16, t17}
	q := exBase + "/query?type=Task&pageSize=2&page="
	p := Paging{PageNum: 2, PageSize: 2, PagesCount: 3, Links: []PageLink{
		{"First", q + "1"}, {"Previous", q + "1"}, {"Next", q + "3"}, {"Last", q + "3"}}}
	return map[string]func(e Encoder) []byte{
		"task.running":        func(e Encoder) []byte { return e.Task(nil, exBase, &t12r) },
		"task.finished":       func(e Encoder) []byte { return e.Task(nil, exBase, &t12) },
		"task.finished-cdp":   func(e Encoder) []byte { return e.Task(nil, exBase, &t13) },
		"task.failed-cdp":     func(e Encoder) []byte { return e.Task(nil, exBase, &t14) },
		"task.finished-clone": func(e Encoder) []byte { return e.Task(nil, exBase, &t15) },
		"task.failed":         func(e Encoder) []byte { return e.Task(nil, exBase, &t16) },
		"tasks":               func(e Encoder) []byte { return e.Tasks(nil, exBase, all) },
		"tasks.empty":         func(e Encoder) []byte { return e.Tasks(nil, exBase, nil) },
		"query.Task":          func(e Encoder) []byte { return e.TaskQuery(nil, exBase, all[2:4], p) },
	}
}

// TestTaskGolden writes the tasks of the fixture in every dialect and
// compares them byte for byte with the hand-written files of testdata/vbr2.
func TestTaskGolden(t *testing.T) {
	for name, enc := range taskCases(t) {
		for _, ge := range goldenEncoders {
			file := name + ge.suffix + ".golden"
			t.Run(file, func(t *testing.T) {
				want, err := os.ReadFile(filepath.Join("testdata", "vbr2", file))
				if err != nil {
					t.Fatal(err)
				}
				if got := enc(ge.enc); !bytes.Equal(got, want) {
					t.Errorf("%s differs from its golden file\n got: %s\nwant: %s", file, got, want)
				}
			})
		}
	}
}
