package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/emcdp/emcdp/client"
	"github.com/emcdp/emcdp/emcdptest"
	"github.com/emcdp/emcdp/wire"
)

func TestLogonGetFollowLogoff(t *testing.T) {
	srv := emcdptest.Start(t)
	ctx := context.Background()
	c := client.New(srv.URL+"/api/", srv.HTTPClient())
	if err := c.Logon(ctx, srv.User, "wrong"); client.StatusOf(err) != http.StatusUnauthorized {
		t.Fatalf("logon with a wrong password: %v", err)
	}
	if err := c.Logon(ctx, srv.User, srv.Password); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Refs []struct {
			Name, Href string
			Links      []struct{ Rel, Href, Type string }
		}
	}
	if err := c.Get(ctx, "/api/backupServers", &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Refs) != 2 {
		t.Fatalf("backup servers = %+v", list)
	}
	var server struct{ Name string }
	if err := c.Follow(ctx, list.Refs[0].Href, &server); err != nil || server.Name != list.Refs[0].Name {
		t.Errorf("follow %s: %+v %v", list.Refs[0].Href, server, err)
	}
	xml := client.New(srv.URL, srv.HTTPClient())
	xml.SetToken(c.Token())
	xml.Accept = "application/xml"
	if b, err := xml.GetBytes(ctx, list.Refs[0].Href); err != nil || !strings.HasPrefix(string(b), "<?xml") {
		t.Errorf("GetBytes in XML: %.60q %v", b, err)
	}
	err := c.Get(ctx, "/api/backupServers/not-an-id", nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest && e.Status != http.StatusNotFound || e.Message == "" || e.RequestID == "" {
		t.Errorf("bad id: %#v", err)
	}
	if err := c.Logoff(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, "/api/backupServers", nil); client.StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("after logoff: %v", err)
	}
	if err := c.Logoff(ctx); err == nil {
		t.Error("a second logoff succeeded")
	}
}

// TestQueryPaging: QueryAll walks every page, in entities and references,
// in both JSON dialects, and yields what one large page holds.
func TestQueryPaging(t *testing.T) {
	for _, p := range []wire.Profile{wire.V12, wire.V13} {
		srv := emcdptest.Start(t, emcdptest.WithProfile(p))
		c := srv.Client(t)
		ctx := context.Background()
		whole, err := c.QueryPage(ctx, client.Query{Type: "CdpReplicaTaskSession", PageSize: 10000}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if whole.PagesCount != 1 || len(whole.Items) < 20 {
			t.Fatalf("one page: %d pages, %d items", whole.PagesCount, len(whole.Items))
		}
		for _, refs := range []bool{false, true} {
			var got []json.RawMessage
			q := client.Query{Type: "CdpReplicaTaskSession", PageSize: 7, Refs: refs}
			if err := c.QueryAll(ctx, q, func(it json.RawMessage) error { got = append(got, it); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(whole.Items) {
				t.Errorf("profile %v refs %v: %d items over pages, %d on one page", p, refs, len(got), len(whole.Items))
			}
			if !refs && string(got[len(got)-1]) != string(whole.Items[len(whole.Items)-1]) {
				t.Errorf("profile %v: the last item differs between paged and whole reads", p)
			}
		}
		page2, err := c.QueryPage(ctx, client.Query{Type: "CdpPolicy", PageSize: 3, SortDesc: "Name"}, 2)
		if err != nil || page2.PageNum != 2 || page2.PagesCount != 2 || len(page2.Items) != 1 {
			t.Errorf("page 2 of 4 policies by 3: %+v %v", page2, err)
		}
	}
}
