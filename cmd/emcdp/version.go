package main

import (
	"runtime/debug"
	"strings"
)

// version and commit are stamped by scripts/build-static with
// -ldflags "-X main.version=… -X main.commit=…". When they are empty, the
// module version and VCS revision that the go command records in the
// binary's build info are used.
var version, commit string

// stamped holds the values given with -ldflags -X.
type stamped struct{ version, commit string }

// versionString describes the binary: its version, then in parentheses the
// commit (marked "modified" when built from a changed work tree) and the
// Go release it was built with. Stamped values win over the build info.
func versionString(bi *debug.BuildInfo, st stamped) string {
	v, rev, modified, goVersion := st.version, st.commit, false, ""
	if bi != nil {
		goVersion = bi.GoVersion
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true" && st.commit == ""
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	var detail []string
	switch {
	case rev == "":
		detail = append(detail, "commit unknown")
	case modified:
		detail = append(detail, "commit "+rev+", modified")
	default:
		detail = append(detail, "commit "+rev)
	}
	if goVersion != "" {
		detail = append(detail, goVersion)
	}
	return v + " (" + strings.Join(detail, ", ") + ")"
}
