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
//	emcdp probe [flags]       check that a running server answers
//	emcdp version             print the version and commit
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
	"runtime/debug"
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
  emcdp probe [flags]          check that a running server answers (health check)
  emcdp version                print the version and commit (also --version)

Run "emcdp <command> -h" for a command's flags. Every flag can also be set
through its environment twin: --data is EMCDP_DATA, --time-scale is
EMCDP_TIME_SCALE, and so on.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "emcdp:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	var ue *usageError
	if errors.Is(err, errUsage) || errors.As(err, &ue) {
		return 2
	}
	return 1
}

// errUsage is a wrong command line whose explanation has been printed.
var errUsage = errors.New("bad usage")

// run dispatches to a subcommand; it is main without os.Exit, for tests.
// Help asked for is printed to stdout and is no error.
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
	case "probe":
		c = &probeCmd{Stdout: stdout, Stderr: stderr}
	case "version", "--version", "-version", "-v":
		bi, _ := debug.ReadBuildInfo()
		fmt.Fprintln(stdout, "emcdp", versionString(bi, stamped{version, commit}))
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "emcdp: unknown command %q\nRun 'emcdp --help' for the commands.\n", args[0])
		return errUsage
	}
	err := c.Run(ctx, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
