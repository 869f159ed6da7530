package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestUserAddLimits checks that user add refuses, with a message naming the
// limit, the passwords and names that logon would refuse or that are too
// short.
func TestUserAddLimits(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, c := range []struct{ name, pw, want string }{
		{"x", "short", "shorter than 8 characters"},
		{"x", strings.Repeat("p", 73), "longer than 72 bytes"},
		{strings.Repeat("u", 257), "S3cret-pass", "longer than 256 bytes"},
		{"a\x01b", "S3cret-pass", "control character"},
	} {
		err := run(ctx, []string{"user", "add", c.name, "--role", "PortalUser", "--data", dir}, strings.NewReader(c.pw+"\n"), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("user add %.10q with %.10q: %v, want an error saying %q", c.name, c.pw, err, c.want)
		}
	}
	if err := run(ctx, []string{"user", "add", "x", "--role", "PortalUser", "--data", dir}, strings.NewReader("eight-ch\n"), io.Discard, io.Discard); err != nil {
		t.Errorf("a password of 8 characters: %v", err)
	}
}
