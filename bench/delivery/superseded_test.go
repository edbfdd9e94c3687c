package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSupersededSmallRun runs the measurement with bursts of three pushes: each
// burst is reviewed once and its other events, delivered once or twice,
// are superseded at no Azure DevOps call.
func TestSupersededSmallRun(t *testing.T) {
	phases, err := runSuperseded(t.Context(), 3)
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, printSuperseded(&out, phases))
	t.Log("\n" + out.String())
	require.Len(t, phases, 2)
	for i, ph := range phases {
		require.Equal(t, 1, ph.reviewed, ph.name)
		require.Equal(t, 3*(i+1)-1, ph.superseded, ph.name)
		require.Zero(t, ph.supersededCalls, ph.name)
	}
}
