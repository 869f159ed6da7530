package wire

import (
	"testing"
	"time"

	emcdp "github.com/emcdp/emcdp"
)

// The values of the contract's example bodies (spec/examples).

const exBase = "https://em.lab.local:9398/api"

func mustID(t testing.TB, s string) emcdp.ID {
	t.Helper()
	id, ok := emcdp.ParseID(s)
	if !ok {
		t.Fatalf("bad id %q", s)
	}
	return id
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// exPolicySession is the running policy session of the examples.
func exPolicySession(t testing.TB) emcdp.PolicySession {
	created := mustTime(t, "2026-06-15T15:00:08.847Z")
	return emcdp.PolicySession{
		ID:               mustID(t, "aa9e78c3-a270-4584-be9f-e3786a98dd1a"),
		Name:             emcdp.SessionName("CDP Tier-1 SQL", created),
		PolicyID:         mustID(t, "cf0986f8-af75-4755-a1c1-8eaed60763f9"),
		PolicyName:       "CDP Tier-1 SQL",
		BackupServerID:   mustID(t, "aa17f9a1-1e11-443f-83f7-0abbc9e8e375"),
		BackupServerName: "vbr-east.lab.local",
		CreationTime:     created,
		State:            emcdp.SessionWorking,
		Result:           emcdp.ResultNone,
	}
}

// exTaskSessions are the two task sessions of the examples: a running one
// and one that ended with a warning.
func exTaskSessions(t testing.TB) []emcdp.TaskSession {
	ps := exPolicySession(t)
	c1 := mustTime(t, "2026-06-15T23:00:06.51Z")
	c2 := mustTime(t, "2026-06-15T15:00:09.05Z")
	return []emcdp.TaskSession{{
		ID:                mustID(t, "c14d001c-56d7-43ab-8bbb-fed28977f8c2"),
		Name:              emcdp.SessionName("sql-prod-01", c1),
		PolicySessionID:   ps.ID,
		PolicySessionName: ps.Name,
		PolicyID:          ps.PolicyID,
		BackupServerID:    ps.BackupServerID,
		BackupServerName:  ps.BackupServerName,
		VmDisplayName:     "sql-prod-01",
		CreationTime:      c1,
		State:             emcdp.TaskInProgress,
		Result:            emcdp.ResultSuccess,
		TotalSize:         17179869184,
	}, {
		ID:                mustID(t, "991ba49f-13a3-4834-9be9-efb5e68d8ec8"),
		Name:              emcdp.SessionName("sql-prod-02", c2),
		PolicySessionID:   ps.ID,
		PolicySessionName: ps.Name,
		PolicyID:          ps.PolicyID,
		BackupServerID:    ps.BackupServerID,
		BackupServerName:  ps.BackupServerName,
		VmDisplayName:     "sql-prod-02",
		CreationTime:      c2,
		EndTime:           mustTime(t, "2026-06-15T23:00:06.493Z"),
		State:             emcdp.TaskCompleted,
		Result:            emcdp.ResultWarning,
		Reason:            "RPO was not met for 2 consecutive periods",
		TotalSize:         53687091200,
	}}
}

func exLogonSession(t testing.TB) emcdp.LogonSession {
	return emcdp.LogonSession{
		ID:       mustID(t, "7e59483f-496c-409b-9884-b95f33894a2b"),
		UserName: `LAB\operator`,
		UserKey:  "operator",
	}
}

// exPaging is the PagingInfo of the example query with format=Entities.
func exPaging() Paging {
	const q = exBase + "/query?type=CdpReplicaTaskSession&format=Entities&filter=CreationTimeUTC%3e%3d%222026-06-15%22%3bState%3d%3dCompleted%2cResult%3e%3dWarning&pageSize=2&page="
	return Paging{PageNum: 1, PageSize: 2, PagesCount: 3, Links: []PageLink{
		{"First", q + "1"}, {"Next", q + "2"}, {"Last", q + "3"},
	}}
}

// exRefPaging is the PagingInfo of the example query with references.
func exRefPaging() Paging {
	const q = exBase + "/query?type=CdpReplicaTaskSession&pageSize=100&page=1"
	return Paging{PageNum: 1, PageSize: 100, PagesCount: 1, Links: []PageLink{{"First", q}, {"Last", q}}}
}
