package query

import (
	"math/rand"
	"testing"
	"time"

	"github.com/emcdp/emcdp"
)

func BenchmarkParse(b *testing.B) {
	const filter = `CreationTimeUTC>="2026-06-15";(State==Completed,Result>=Warning);VmDisplayName!="sql ""01""";TotalSize>1024`
	for b.Loop() {
		if _, err := Parse(kTask, filter); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRequest(b *testing.B) {
	const raw = "type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3e%3d%222026-06-15%22%3bState%3d%3dCompleted%2cResult%3e%3dWarning&sortDesc=EndTime&pageSize=50&page=2"
	for b.Loop() {
		if _, err := ParseRequest(raw, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	e := RandomExpr(rand.New(rand.NewSource(1)), emcdp.KindCdpReplicaTaskSession, 3, nil)
	for b.Loop() {
		_ = Format(e)
	}
}

func BenchmarkRun(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	var items []any
	for i := 0; i < 10000; i++ {
		items = append(items, &emcdp.TaskSession{ID: emcdp.ID{byte(i >> 8), byte(i)}, VmDisplayName: "vm",
			CreationTime: t0.Add(time.Duration(r.Intn(1e6)) * time.Second), State: emcdp.TaskState(r.Intn(3)), Result: emcdp.Result(r.Intn(4))})
	}
	e, _ := Parse(kTask, "State==Completed;Result>=Warning")
	q := &emcdp.Query{Kind: kTask, Filter: e, PageSize: 100, Page: 2}
	for b.Loop() {
		Run(q, items)
	}
}
