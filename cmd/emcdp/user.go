package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/emcdp/emcdp"
	"github.com/emcdp/emcdp/auth"
)

const userUsage = `Usage: emcdp user add NAME --role ROLE [flags]

Creates the user NAME, or replaces the password and role of an existing one.
The password is read from the terminal (asked twice) or, when standard input is
not a terminal, from its first line; it is never taken from a flag or logged.
Users log on with NAME, DOMAIN\NAME or NAME@DOMAIN.

Passwords have 8 characters or more and at most 72 bytes; user names at most
256 bytes. Roles: PortalAdministrator, PortalUser, RestoreOperator (any role
may read).

Examples:
  emcdp user add operator --role PortalUser
  echo 'S3cret-pass' | emcdp user add monitor --role PortalUser --data /var/lib/emcdp
`

// userCmd manages users.
type userCmd struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

func (c *userCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("user add", userUsage, c.Stdout)
	var sf storeFlags
	sf.register(fs)
	role := fs.String("role", "PortalUser", "role: PortalAdministrator, PortalUser or RestoreOperator")
	if len(args) > 0 && isHelp(args[0]) {
		fs.Usage()
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "add" {
		return badUsage(fs, "expected: emcdp user add NAME")
	}
	args = args[1:]
	if len(args) > 0 && isHelp(args[0]) {
		fs.Usage()
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return badUsage(fs, "expected the user's NAME after emcdp user add")
	}
	name := args[0]
	if err := parseFlags(fs, args[1:], c.Getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage(fs, "unexpected argument %q; the password is read from the terminal or stdin, never from the command line", fs.Arg(0))
	}
	r, ok := emcdp.ParseRole(*role)
	if !ok {
		return fmt.Errorf("unknown role %q: use PortalAdministrator, PortalUser or RestoreOperator", *role)
	}
	if err := auth.CheckUserName(name); err != nil {
		return fmt.Errorf("user name %q: %v", name, err)
	}
	key := emcdp.UserKey(name)
	pw, err := readPassword(c.Stdin, c.Stderr)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	st, desc, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.PutUser(ctx, &emcdp.User{Name: key, PasswordHash: hash, Role: r, Created: emcdp.SystemClock{}.Now()}); err != nil {
		return fmt.Errorf("save user: %w", err)
	}
	fmt.Fprintf(c.Stdout, "user %s saved with role %s in %s\n", key, r, desc)
	return nil
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// readPassword asks twice on a terminal, or reads the first line of a
// non-terminal stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return checkPassword(string(a))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return checkPassword(strings.TrimRight(line, "\r\n"))
}

// checkPassword applies the limits that logon applies too (auth.CheckPassword).
func checkPassword(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("empty password: type one at the prompt or pipe it on stdin")
	}
	if err := auth.CheckPassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}
