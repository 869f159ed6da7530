package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// envName returns the environment twin of a flag: "session-timeout" →
// "EMCDP_SESSION_TIMEOUT".
func envName(flagName string) string {
	return "EMCDP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a FlagSet for the command name (as typed after
// "emcdp") whose usage, asked for with -h or --help, prints text and then
// every flag with its environment twin to stdout.
func newFlagSet(name, text string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// parseFlags reports mistakes itself, in one line and a pointer to the
	// help, rather than the flag package's message and the whole usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(stdout, text)
		fmt.Fprintln(stdout, "\nFlags (each also read from its environment twin):")
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(stdout, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// usageError is a mistake on a command line. main prints it with a pointer
// to the command's help and exits with status 2.
type usageError struct {
	cmd string // as typed after "emcdp": "serve", "user add"
	err error
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%v\nRun 'emcdp %s --help' for its usage and flags.", e.err, e.cmd)
}

func (e *usageError) Unwrap() error { return e.err }

// badUsage returns a usageError of fs's command.
func badUsage(fs *flag.FlagSet, format string, args ...any) error {
	return &usageError{cmd: fs.Name(), err: fmt.Errorf(format, args...)}
}

// parseFlags parses args, then fills every flag not given on the command line
// from its environment twin (getenv nil means os.Getenv). Asked for help, it
// prints the usage to stdout and returns flag.ErrHelp (run ends with status
// 0); a bad flag or environment value is a usageError naming the flag or
// variable.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	help := fs.Usage
	fs.Usage = func() {} // the flag package calls it on mistakes too
	err := fs.Parse(args)
	fs.Usage = help
	if errors.Is(err, flag.ErrHelp) {
		help()
		return err
	}
	if err != nil {
		return &usageError{cmd: fs.Name(), err: err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] {
			return
		}
		if v, ok := lookup(getenv, envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = badUsage(fs, "environment variable %s: %v", envName(f.Name), e)
			}
		}
	})
	return err
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// storeFlags are the flags that choose the store, shared by every command
// that opens one.
type storeFlags struct {
	Data string // the data folder: SQLite database and TLS certificate
	DB   string // "", sqlite://PATH or postgres://…
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.Data, "data", "./emcdp-data", "data folder holding the SQLite database (emcdp.db), the generated TLS certificate and the temporary files of large answers")
	fs.StringVar(&s.DB, "db", "", "database URL: sqlite://PATH or postgres://user@host:5432/db (default: SQLite in the data folder)")
}

// newLogger returns the server's logger in the format --log-format names.
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
