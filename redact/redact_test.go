package redact

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/emcdp/emcdp"
)

func TestPath(t *testing.T) {
	id := emcdp.NewID().String()
	tok := base64.StdEncoding.EncodeToString([]byte(id))
	for _, c := range []struct{ in, want string }{
		{"/api/logonSessions/" + id, "/api/logonSessions/" + Mark},
		{"/API//LOGONSESSIONS//" + strings.ToUpper(id) + "/", "/API//LOGONSESSIONS//" + Mark + "/"},
		{"/api/logonSessions", "/api/logonSessions"},
		{"/api/logonSessions/", "/api/logonSessions/"},
		{"/api/cdpPolicies/" + id, "/api/cdpPolicies/" + id},
		// A token pasted into a path, anywhere.
		{"/api/" + tok + "/x", "/api/" + Mark + "/x"},
	} {
		if got := Path(c.in); got != c.want {
			t.Errorf("Path(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuery(t *testing.T) {
	id := emcdp.NewID()
	tok := base64.StdEncoding.EncodeToString([]byte(id.String()))
	for _, c := range []struct{ in, want string }{
		{"type=CdpPolicy&filter=Name==x", "type=CdpPolicy&filter=Name==x"},
		{"password=hunter2&v=latest", "password=" + Mark + "&v=latest"},
		{"X-RestSvcSessionId=" + tok, "X-RestSvcSessionId=" + Mark},
		{"anything=" + tok + "&pageSize=5", "anything=" + Mark + "&pageSize=5"},
		{"anything=" + strings.TrimRight(tok, "="), "anything=" + Mark},
		{"Api%5FKey=abc&apikey", "Api%5FKey=" + Mark + "&apikey"},
		// A token sent as a segment of its own, without a name.
		{"type=Task&" + tok, "type=Task&" + Mark},
		{strings.TrimRight(tok, "=") + "&pageSize=5", Mark + "&pageSize=5"},
		{"", ""},
	} {
		if got := Query(c.in); got != c.want {
			t.Errorf("Query(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDatabaseURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://emcdp:s3cret@db:5432/emcdp", "postgres://emcdp:" + Mark + "@db:5432/emcdp"},
		{"postgresql://emcdp:p@ss:w/rd@db/emcdp?sslmode=disable", "postgresql://emcdp:" + Mark + "@db/emcdp?sslmode=disable"},
		{"postgres://emcdp@db/emcdp?password=s3cret&sslmode=require", "postgres://emcdp@db/emcdp?password=" + Mark + "&sslmode=require"},
		{"postgres://db/emcdp?sslmode=require&PASSWORD=s3cret", "postgres://db/emcdp?sslmode=require&PASSWORD=" + Mark},
		{"postgres://db/emcdp?sslpassword=k3y", "postgres://db/emcdp?sslpassword=" + Mark},
		{"host=db user=emcdp password=s3cret dbname=emcdp", "host=db user=emcdp password=" + Mark + " dbname=emcdp"},
		{"host=db password = 'se cret\\'s' dbname=emcdp", "host=db password = " + Mark + " dbname=emcdp"},
		{"postgres://emcdp@db:5432/emcdp", "postgres://emcdp@db:5432/emcdp"},
		{"sqlite:///var/lib/emcdp/emcdp.db", "sqlite:///var/lib/emcdp/emcdp.db"},
	} {
		got := DatabaseURL(c.in)
		if got != c.want {
			t.Errorf("DatabaseURL(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, secret := range []string{"s3cret", "p@ss", "k3y", "se cret"} {
			if strings.Contains(got, secret) {
				t.Errorf("DatabaseURL(%q) keeps %q", c.in, secret)
			}
		}
	}
}
