package worker_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestDismissedBlockingThreadsAreWatchedInTurn: a pull request with more
// dismissed blocking threads than one review reads by id (a person set 17
// error threads to won't fix) is not read in full on every review, as the
// index's reviews would if every such thread were read each time: each
// review reads a few of them, in turn, and reads no list. A thread a person
// reactivates among them is counted within the reviews it takes to come
// round, however the reviews fall on the iterations.
func TestDismissedBlockingThreadsAreWatchedInTurn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		dismissed int
		// reactivated is the index, in id order, of the thread a person
		// reactivates; pushes the pushes between two reviews (coalesced
		// pushes skip iterations).
		reactivated, pushes int
	}{
		{"17, the last reactivated, one push a review", 17, 16, 1},
		{"8, the first reactivated, two pushes a review", 8, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": quiet + "// 0\n"})
			ctx := context.Background()
			var ids []int
			for i := range tt.dismissed {
				th, err := h.client.CreateThread(ctx, h.ref(), azdo.Thread{Status: azdo.ThreadWontFix,
					Comments: []azdo.Comment{{Content: "an earlier finding"}}, FilePath: fmt.Sprintf("/old/f%d.js", i),
					Start: azdo.Position{Line: 1, Offset: 1}, End: azdo.Position{Line: 1, Offset: 2},
					Properties: map[string]string{worker.PropFingerprint: fmt.Sprintf("%032x", i), worker.PropRule: "debug/debugger", worker.PropSeverity: "error"}})
				require.NoError(t, err)
				ids = append(ids, th.ID)
			}
			w := h.worker(t)
			rep, err := w.Review(ctx, h.request())
			require.NoError(t, err)
			require.Equal(t, "succeeded", rep.Status, "every blocking thread dismissed")

			slices.Sort(ids)
			h.setStatus(t, ids[tt.reactivated], azdo.ThreadActive)
			rounds := (tt.dismissed + 3) / 4
			seen, push := false, 0
			for i := 1; i <= rounds && !seen; i++ {
				for range tt.pushes {
					push++
					h.push(map[string]string{"/a.js": quiet + fmt.Sprintf("// %d\n", push)})
				}
				calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
				require.NoError(t, err)
				require.Zero(t, calls["git.threads.list"], "review %d reads no list: %v", i, calls)
				require.LessOrEqual(t, calls["git.threads.get"], 4+1, "review %d: a turn of the dismissed threads and the summary's read-back: %v", i, calls)
				seen = rep.Status == "failed"
			}
			require.True(t, seen, "the reactivated thread is counted within %d reviews", rounds)
		})
	}
}
