package app

import (
	"cmp"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// BuildInfo is what a binary knows of its own build: the module version
// (a tag, or "(devel)"), the commit and its time, whether the tree had
// uncommitted changes, and the Go version.
type BuildInfo struct {
	Version, Revision, Time, GoVersion string
	Modified                           bool
}

// version and revision are set at link time by a build that knows them
// better than Go's build information: the Dockerfile passes
// -X …/internal/app.version=$(git describe) and …/app.revision, as the
// image is built from a tree without .git. Empty: Go's build information.
var version, revision string

// ReadBuildInfo reads the binary's build information.
func ReadBuildInfo() BuildInfo {
	info, ok := debug.ReadBuildInfo()
	return buildInfo(info, ok, version, revision)
}

// buildInfo is the build information of info (ok: there is some), with
// linkVersion and linkRevision, when set, in place of its version and
// revision.
func buildInfo(info *debug.BuildInfo, ok bool, linkVersion, linkRevision string) BuildInfo {
	b := BuildInfo{Version: cmp.Or(linkVersion, "(unknown)"), Revision: linkRevision}
	if !ok {
		return b
	}
	b.Version, b.GoVersion = cmp.Or(linkVersion, info.Main.Version), info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = cmp.Or(linkRevision, s.Value)
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the build on one line: "azreviewer v1.2.3 (commit 1a2b3c4d5e6f,
// 2026-12-01T10:00:00Z, modified) go1.26.8".
func (b BuildInfo) String() string {
	var detail []string
	if b.Revision != "" {
		detail = append(detail, "commit "+b.Revision[:min(12, len(b.Revision))])
	}
	if b.Time != "" {
		detail = append(detail, b.Time)
	}
	if b.Modified {
		detail = append(detail, "modified")
	}
	s := "azreviewer " + b.Version
	if len(detail) > 0 {
		s += " (" + strings.Join(detail, ", ") + ")"
	}
	return s + " " + b.GoVersion
}

// PrintVersion prints the build and reports true when args ask for it
// (--version or -version before any other argument that is not a flag):
// a command then does nothing else.
func PrintVersion(args []string, w io.Writer) bool {
	for _, a := range args {
		if a == "--version" || a == "-version" {
			fmt.Fprintln(w, ReadBuildInfo())
			return true
		}
		if !strings.HasPrefix(a, "-") {
			return false // a subcommand or a flag's value: not ours
		}
	}
	return false
}

// registerBuildInfo adds azreviewer_build_info to reg: a gauge of 1 whose
// labels are the build's version, revision and Go version.
func registerBuildInfo(reg prometheus.Registerer) {
	b := ReadBuildInfo()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "azreviewer_build_info",
		Help: "The running binary's build: version, commit (revision) and Go version; always 1.",
	}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(b.Version, b.Revision, b.GoVersion).Set(1)
	reg.MustRegister(g)
}
