package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// contentOps are the simulator operations that read file contents.
var contentOps = map[string]bool{"git.blobs.zip": true, "git.items.get": true}

// callsPR is a pull request editing files files of lines lines each, one
// of which (the first) gets one finding.
func callsPR(files, lines int) (base, head map[string]string) {
	base, head = map[string]string{}, map[string]string{}
	for f := range files {
		var b, h strings.Builder
		for l := range lines {
			fmt.Fprintf(&b, "// value %d of file %d\n", l, f)
			fmt.Fprintf(&h, "// value %d of file %d, edited\n", l, f)
		}
		if f == 0 {
			h.WriteString("console.log(1);\n")
		}
		path := fmt.Sprintf("/src/d%02d/f%04d.js", f%50, f)
		base[path], head[path] = b.String(), h.String()
	}
	return base, head
}

// TestFullReviewCallsDoNotGrowWithFiles: a full review of F changed files
// reads their contents in a handful of bulk calls, so its Azure DevOps
// calls stay within issue 14's bound — 8 + 2 × findings posted for F ≤ 100,
// 12 + 2 × findings for F = 1,000 — where reading each version by path
// cost 2F + 8 + findings. Endpoint discovery, once per process, is done
// before.
func TestFullReviewCallsDoNotGrowWithFiles(t *testing.T) {
	t.Parallel()
	tests := []struct{ files, bound int }{{1, 8}, {10, 8}, {100, 8}, {1000, 12}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("F=%d", tt.files), func(t *testing.T) {
			t.Parallel()
			base, head := callsPR(tt.files, 10)
			b := setupWith(t, base, head)
			// Endpoint discovery is once per process, not per review.
			_, err := b.client.PullRequest(context.Background(), azdo.PullRequestRef{Project: b.req.ProjectID, RepositoryID: b.req.RepositoryID, ID: b.req.PullRequestID})
			require.NoError(t, err)
			before := len(b.sim.Server.Requests())
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Equal(t, tt.files, rep.FilesReviewed, "the pull request is reviewed whole")
			require.Equal(t, 1, rep.ThreadsPosted)
			content, rest := splitCalls(b.sim.Server.Requests()[before:])
			t.Logf("F=%d: %d calls: %d content reads, %d others (%v)", tt.files, len(content)+len(rest), len(content), len(rest), rest)
			require.LessOrEqual(t, len(content)+len(rest), tt.bound+2*rep.ThreadsPosted, "calls per full review")
		})
	}
}

// splitCalls splits a request log into content reads and the rest, by
// operation.
func splitCalls(log []azdosim.Request) (content, rest []string) {
	for _, r := range log {
		if contentOps[r.Operation] {
			content = append(content, r.Operation)
		} else {
			rest = append(rest, r.Operation)
		}
	}
	return content, rest
}

// TestFullReviewFallsBackToReadsByPath: when the bulk read fails or its
// zip lacks blobs, the review reads those versions by path and finds the
// same: the same files reviewed, the same thread.
func TestFullReviewFallsBackToReadsByPath(t *testing.T) {
	t.Parallel()
	const files = 5
	tests := []struct {
		name      string
		fault     func(*azdosim.Server)
		wantItems int // reads by path, .azreviewer.yaml included
	}{
		{"bulk works", nil, 1},
		{"bulk fails", func(s *azdosim.Server) { s.FailRequests("git.blobs.zip", 1, http.StatusInternalServerError, 0) }, 1 + 2*files},
		{"entries missing", func(s *azdosim.Server) { s.SetBlobsZipFault(azdosim.BlobsZipFault{Omit: 2}) }, 1 + files},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, head := callsPR(files, 10)
			b := setupWith(t, base, head)
			if tt.fault != nil {
				tt.fault(b.sim.Server)
			}
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, files, rep.FilesReviewed)
			require.Equal(t, 1, rep.ThreadsPosted)
			require.Zero(t, rep.SkippedFiles)
			require.Equal(t, 1, b.sim.Server.Count("git.blobs.zip"))
			require.Equal(t, tt.wantItems, b.sim.Server.Count("git.items.get"))
		})
	}
}
