package drain

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMeasureDrainsEveryReview runs a small measurement: every row drains
// every review, and the table has a line per row.
func TestMeasureDrainsEveryReview(t *testing.T) {
	cfg := Config{Reviews: 6, Limit: 400, Window: time.Second, InFlight: []int{2}, Processes: []int{2},
		Modes: []string{ModeOld, ModeNew}, Timeout: time.Minute}
	rows, err := Measure(t.Context(), cfg)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	for _, r := range rows {
		require.False(t, r.TimedOut, r.Mode)
		require.Equal(t, cfg.Reviews, r.Reviews, r.Mode)
		require.Positive(t, r.Spent, r.Mode)
	}
	var out bytes.Buffer
	Print(&out, cfg, rows)
	require.Contains(t, out.String(), "| 2 | 2 | identity budget |")
	require.Contains(t, out.String(), "| 2 | 2 | per-process only |")
}
