package auth

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// TestForget: once the store's sessions are gone and the service forgot
// what it remembered, neither a remembered token nor remembered Basic
// credentials skip the store.
func TestForget(t *testing.T) {
	f, _ := soleWriterFixture(t)
	ctx := context.Background()
	_, tok, err := f.svc.Logon(ctx, "operator", "secret")
	if err != nil {
		t.Fatal(err)
	}
	basic := httptest.NewRequest("GET", "/api/cdpPolicies", nil)
	basic.SetBasicAuth("operator", "secret")
	if _, err := f.svc.Authenticate(context.Background(), basic); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.DeleteLogonSessionsBefore(ctx, f.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.svc.Forget()
	if _, err := f.svc.Authenticate(context.Background(), request(tok, "")); err == nil {
		t.Error("a forgotten session whose row is gone still authenticates")
	}
	before := f.hashes.Load()
	if _, err := f.svc.Authenticate(context.Background(), basic); err != nil {
		t.Fatal(err)
	}
	if f.hashes.Load() == before {
		t.Error("Basic credentials were not verified again after Forget")
	}
}
