package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSmallRun runs the measurement with bursts of three pushes: each
// burst is reviewed once and its other events, delivered once or twice,
// are superseded at no Azure DevOps call.
func TestSmallRun(t *testing.T) {
	phases, err := run(t.Context(), 3)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, printPhases(&out, phases))
	t.Log("\n" + out.String())
	require.Len(t, phases, 2)
	for i, ph := range phases {
		require.Equal(t, 1, ph.reviewed, ph.name)
		require.Equal(t, 3*(i+1)-1, ph.superseded, ph.name)
		require.Zero(t, ph.supersededCalls, ph.name)
	}
}
