// Command emcdp serves the Enterprise Manager REST API of Veeam Backup &
// Replication for CDP replication sessions, backed by an embedded SQLite
// store or a shared PostgreSQL database.
//
// Usage:
//
//	emcdp serve [flags]       run the server
//	emcdp seed [flags]        generate CDP history into the store
//	emcdp user add NAME       create or update a user
//	emcdp bench [flags]       measure the server against this machine's ceiling
//
// Run "emcdp <command> -h" for the flags of a command. Every flag has an
// environment twin: --session-timeout is EMCDP_SESSION_TIMEOUT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: it parses its own flags and runs.
type command interface {
	Run(ctx context.Context, args []string) error
}

const usage = `emcdp serves the Veeam Enterprise Manager REST API for CDP replication sessions.

Usage:
  emcdp serve [flags]          run the server (add --demo for demo data)
  emcdp seed [flags]           generate CDP history into the store
  emcdp user add NAME --role R create or update a user (password from a prompt or stdin)
  emcdp bench [flags]          measure the server against this machine's ceiling
  emcdp version                print the version

Run "emcdp <command> -h" for a command's flags. Every flag can also be set
through its environment twin: --data is EMCDP_DATA, --time-scale is
EMCDP_TIME_SCALE, and so on.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "emcdp:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) || errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

var errUsage = errors.New("bad usage")

// run dispatches to a subcommand; it is main without os.Exit, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var c command
	switch args[0] {
	case "serve":
		c = &serveCmd{Stdout: stdout, Stderr: stderr}
	case "seed":
		c = &seedCmd{Stdout: stdout, Stderr: stderr}
	case "user":
		c = &userCmd{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	case "bench":
		c = &benchCmd{Stdout: stdout, Stderr: stderr}
	case "version":
		fmt.Fprintln(stdout, "emcdp", version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "emcdp: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
	return c.Run(ctx, args[1:])
}
