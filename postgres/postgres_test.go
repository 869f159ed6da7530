package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/storetest"
	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that gives the tests a database:
// a URL such as postgres://postgres@127.0.0.1:5432/emcdp_test?sslmode=disable.
// Each test works in a schema of its own, created and dropped by the test.
const EnvURL = "EMCDP_TEST_POSTGRES"

// testURL returns the database URL of the tests. Without one the test is
// skipped, except under CI (CI=true), where PostgreSQL is required.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests to run", EnvURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL, e.g. postgres://postgres@127.0.0.1:5432/emcdp_test?sslmode=disable", EnvURL)
	}
	return u
}

// freshSchema creates a uniquely named empty schema in the test database,
// drops it when the test ends, and returns a URL whose connections use it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := testURL(t)
	ctx := context.Background()
	var b [6]byte
	rand.Read(b[:])
	schema := "emcdp_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(t, base, schema)
}

// WithSearchPath returns u with its connections' search_path set to schema.
func WithSearchPath(t testing.TB, u, schema string) string {
	t.Helper()
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%s is not a valid URL", EnvURL)
		}
		q := p.Query()
		q.Set("search_path", schema)
		p.RawQuery = q.Encode()
		return p.String()
	}
	return u + " search_path=" + schema
}

func openFresh(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) emcdp.Store { return openFresh(t) })
}

// TestOpenRace opens one empty schema from several goroutines at once, as
// replicas that start together do: every Open succeeds and each migration is
// applied and recorded once.
func TestOpenRace(t *testing.T) {
	u := freshSchema(t)
	ctx := context.Background()
	const n = 6
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dbs[i], errs[i] = Open(ctx, u)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	var applied, latest int
	if err := dbs[0].pool.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_migrations").Scan(&applied, &latest); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if applied != len(ms) || latest != SchemaVersion() {
		t.Errorf("schema_migrations holds %d rows up to version %d; want %d up to %d", applied, latest, len(ms), SchemaVersion())
	}
	// Every store works on the one schema.
	for i, db := range dbs {
		if n, err := db.CountUsers(ctx); err != nil || n != 0 {
			t.Errorf("store %d: CountUsers = %d, %v", i, n, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, ""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	if _, err := Open(ctx, "postgres://user:s3cret@host:notaport/db"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open(bad URL) = %v; want an error that hides the password", err)
	}
	// Port 1 on loopback: nothing listens there.
	if _, err := Open(ctx, "postgres://user:s3cret@127.0.0.1:1/db?connect_timeout=2"); emcdp.ErrorCode(err) != emcdp.EUnavailable ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open(unreachable server) = %v; want EUnavailable without the password", err)
	}
	u := WithSearchPath(t, testURL(t), "emcdp_test_no_such_schema")
	if db, err := Open(ctx, u); err == nil {
		db.Close()
		t.Error("Open with a search_path naming no schema succeeded")
	}
	db := openFresh(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := db.TaskSession(ctx, emcdp.NewID()); emcdp.ErrorCode(err) != emcdp.EUnavailable {
		t.Errorf("read after Close: %v; want EUnavailable", err)
	}
}

func TestClear(t *testing.T) {
	testURL(t)
	db := openFresh(t)
	defer db.Close()
	storetest.RunClear(t, db)
}

func TestChanges(t *testing.T) {
	testURL(t)
	db := openFresh(t)
	defer db.Close()
	storetest.RunChanges(t, db)
}
