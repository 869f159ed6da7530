package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// envName returns the environment twin of a flag: "session-timeout" →
// "EMCDP_SESSION_TIMEOUT".
func envName(flagName string) string {
	return "EMCDP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a FlagSet whose usage prints text, then every flag with
// its environment twin.
func newFlagSet(name, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		fmt.Fprintln(stderr, "\nFlags (each also read from its environment twin):")
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(stderr, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// parseFlags parses args, then fills every flag not given on the command line
// from its environment twin (getenv nil means os.Getenv). A bad environment
// value is an error naming the variable.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] {
			return
		}
		if v, ok := lookup(getenv, envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s: %v", envName(f.Name), e)
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
