package app

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// The version and commit linked in by the image build win over Go's build
// information, which a build without .git lacks.
func TestBuildInfoPrefersWhatTheLinkerSet(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "aaaaaaaaaaaa"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name              string
		ok                bool
		version, revision string
		want              BuildInfo
	}{
		{"Go's only", true, "", "", BuildInfo{Version: "(devel)", Revision: "aaaaaaaaaaaa", GoVersion: "go1.26.8", Modified: true}},
		{"linked", true, "v1.4.0", "0123456789ab", BuildInfo{Version: "v1.4.0", Revision: "0123456789ab", GoVersion: "go1.26.8", Modified: true}},
		{"linked, no build info", false, "v1.4.0", "0123456789ab", BuildInfo{Version: "v1.4.0", Revision: "0123456789ab"}},
		{"nothing", false, "", "", BuildInfo{Version: "(unknown)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, buildInfo(info, tt.ok, tt.version, tt.revision))
		})
	}
}
