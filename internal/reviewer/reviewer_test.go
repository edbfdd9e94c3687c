package reviewer_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// samplePR is a pull request with an edited file, an added file with
// multi-byte text, a binary file and a too-large file.
//
// /src/app.go, new side: 1 package app (context), 2 func a() {} (added),
// 3 (context), 4 func b() {} (context), 5 // héllo wörld 🚀 (added),
// 6 func c() {} (added); old line 3 "func old() {}" is deleted.
func samplePR(t *testing.T) *reviewer.PullRequest {
	t.Helper()
	edit := reviewer.Diff("/src/app.go", "", reviewer.ChangeEdit,
		[]byte("package app\n\nfunc old() {}\nfunc b() {}\n"),
		[]byte("package app\nfunc a() {}\n\nfunc b() {}\n// héllo wörld 🚀\nfunc c() {}\n"),
		reviewer.DiffOptions{})
	add := reviewer.Diff("/docs/ä.md", "", reviewer.ChangeAdd, nil, []byte("日本語\n\nend"), reviewer.DiffOptions{})
	bin := reviewer.Diff("/img/logo.png", "", reviewer.ChangeAdd, nil, []byte("\x89PNG\x00"), reviewer.DiffOptions{})
	big := reviewer.Diff("/data/big.csv", "", reviewer.ChangeAdd, nil, []byte("0123456789\n"), reviewer.DiffOptions{MaxFileBytes: 4})
	return &reviewer.PullRequest{Title: "t", Files: []reviewer.FileDiff{edit, add, bin, big}}
}

// at is a finding of rule "r" on lines start..end of path.
func at(path string, start, end int) reviewer.Finding {
	return reviewer.Finding{Path: path, StartLine: start, EndLine: end, Rule: "r", Severity: reviewer.SeverityWarning, Message: "m"}
}

// TestRunKeepsOnlyAddedLines: a finding survives only when every line it
// spans is an added line.
func TestRunKeepsOnlyAddedLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		finding reviewer.Finding
		keep    bool
	}{
		{name: "added line", finding: at("/src/app.go", 2, 2), keep: true},
		{name: "EndLine 0 means one line", finding: at("/src/app.go", 2, 0), keep: true},
		{name: "path without slash", finding: at("src/app.go", 6, 6), keep: true},
		{name: "consecutive added lines", finding: at("/src/app.go", 5, 6), keep: true},
		{name: "whole added file", finding: at("/docs/ä.md", 1, 3), keep: true},
		{name: "context line", finding: at("/src/app.go", 1, 1)},
		{name: "context line far from changes", finding: at("/src/app.go", 4, 4)},
		{name: "spans a context line", finding: at("/src/app.go", 2, 3)},
		{name: "spans context lines between added runs", finding: at("/src/app.go", 2, 5)},
		{name: "beyond the file", finding: at("/src/app.go", 6, 7)},
		{name: "line 0", finding: at("/src/app.go", 0, 2)},
		{name: "end before start", finding: at("/src/app.go", 6, 5)},
		{name: "unknown path", finding: at("/src/other.go", 2, 2)},
		{name: "binary file", finding: at("/img/logo.png", 1, 1)},
		{name: "too-large file", finding: at("/data/big.csv", 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := reviewer.Run(context.Background(), samplePR(t), stubReviewer{name: "stub", findings: []reviewer.Finding{tt.finding}})
			require.Empty(t, res.Failed)
			require.Equal(t, []string{"stub"}, res.Ran)
			if tt.keep {
				require.Len(t, res.Findings, 1)
				require.Zero(t, res.Dropped)
			} else {
				require.Empty(t, res.Findings)
				require.Equal(t, 1, res.Dropped)
			}
		})
	}
}

// TestRunOffsets: offsets cover the whole lines, counted in characters.
func TestRunOffsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		finding       reviewer.Finding
		wantEndOffset int
	}{
		{name: "ascii", finding: at("/src/app.go", 2, 2), wantEndOffset: len("func a() {}") + 1},
		{name: "multi-byte end line, an astral character counting two", finding: at("/src/app.go", 5, 5), wantEndOffset: len([]rune("// héllo wörld 🚀")) + 1 + 1},
		{name: "end line decides", finding: at("/src/app.go", 5, 6), wantEndOffset: len("func c() {}") + 1},
		{name: "CJK", finding: at("/docs/ä.md", 1, 1), wantEndOffset: 4},
		{name: "empty line", finding: at("/docs/ä.md", 1, 2), wantEndOffset: 1},
		{name: "last line without newline", finding: at("/docs/ä.md", 3, 3), wantEndOffset: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.finding
			f.StartOffset, f.EndOffset = 7, 99 // overwritten
			res := reviewer.Run(context.Background(), samplePR(t), stubReviewer{name: "stub", findings: []reviewer.Finding{f}})
			require.Len(t, res.Findings, 1)
			got := res.Findings[0]
			require.Equal(t, 1, got.StartOffset)
			require.Equal(t, tt.wantEndOffset, got.EndOffset)
			require.Len(t, got.ContentHash, 64)
		})
	}
}

// TestRunDeterministic: however reviewers order their findings and however
// goroutines are scheduled, the result is the same, sorted and deduplicated.
func TestRunDeterministic(t *testing.T) {
	t.Parallel()
	base := []reviewer.Finding{
		{Path: "/src/app.go", StartLine: 6, Rule: "b", Severity: reviewer.SeverityInfo, Message: "x"},
		{Path: "/src/app.go", StartLine: 2, Rule: "z", Severity: reviewer.SeverityInfo, Message: "x"},
		{Path: "/src/app.go", StartLine: 2, Rule: "a", Severity: reviewer.SeverityError, Message: "x"},
		{Path: "/src/app.go", StartLine: 5, EndLine: 6, Rule: "a", Severity: reviewer.SeverityWarning, Message: "x"},
		{Path: "/docs/ä.md", StartLine: 3, Rule: "a", Severity: reviewer.SeverityWarning, Message: "x"},
		{Path: "/src/app.go", StartLine: 2, Rule: "a", Severity: reviewer.SeverityError, Message: "x"}, // duplicate
		{Path: "/src/app.go", StartLine: 1, Rule: "a", Severity: reviewer.SeverityError, Message: "x"}, // context: dropped
	}
	want := []struct {
		path       string
		start, end int
		rule       string
	}{
		{"/docs/ä.md", 3, 3, "a"},
		{"/src/app.go", 2, 2, "a"},
		{"/src/app.go", 2, 2, "z"},
		{"/src/app.go", 5, 6, "a"},
		{"/src/app.go", 6, 6, "b"},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var first reviewer.Result
	for i := range 20 {
		a, b := append([]reviewer.Finding(nil), base...), append([]reviewer.Finding(nil), base...)
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		res := reviewer.Run(context.Background(), samplePR(t),
			slowReviewer{stubReviewer{name: "one", findings: a}, time.Duration(rng.IntN(3)) * time.Millisecond},
			slowReviewer{stubReviewer{name: "two", findings: b}, time.Duration(rng.IntN(3)) * time.Millisecond},
		)
		if i == 0 {
			first = res
			require.Len(t, res.Findings, len(want))
			for j, w := range want {
				f := res.Findings[j]
				require.Equal(t, w.path, f.Path, "finding %d", j)
				require.Equal(t, [2]int{w.start, w.end}, [2]int{f.StartLine, f.EndLine}, "finding %d", j)
				require.Equal(t, w.rule, f.Rule, "finding %d", j)
			}
			require.Equal(t, 2, res.Dropped, "the context-line finding of each reviewer")
			require.Equal(t, []string{"one", "two"}, res.Ran)
			continue
		}
		require.Equal(t, first, res, "run %d", i)
	}
}

// slowReviewer delays a stubReviewer, to vary goroutine scheduling.
type slowReviewer struct {
	stubReviewer
	delay time.Duration
}

func (s slowReviewer) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	time.Sleep(s.delay)
	return s.stubReviewer.Review(ctx, pr)
}

// TestRunFailures: a reviewer that errors, panics or is nil does not stop
// the others, and its findings are discarded.
func TestRunFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("model unavailable")
	res := reviewer.Run(context.Background(), samplePR(t),
		stubReviewer{name: "erring", err: boom, findings: []reviewer.Finding{at("/src/app.go", 2, 2)}},
		stubReviewer{name: "good", findings: []reviewer.Finding{at("/src/app.go", 6, 6)}},
		stubReviewer{name: "panicking", panics: true},
		nil,
		reviewer.Rules(),
	)
	require.Equal(t, []string{"good", reviewer.RulesName}, res.Ran)
	require.Len(t, res.Failed, 3)
	require.Equal(t, "erring", res.Failed[0].Reviewer)
	require.ErrorIs(t, res.Failed[0].Err, boom)
	require.Equal(t, "panicking", res.Failed[1].Reviewer)
	require.ErrorContains(t, res.Failed[1].Err, "stub reviewer exploded")
	require.Equal(t, "<nil>", res.Failed[2].Reviewer)
	require.Len(t, res.Findings, 1)
	require.Equal(t, 6, res.Findings[0].StartLine)
	require.ErrorIs(t, res.Err(), boom)
	require.ErrorContains(t, res.Err(), "reviewer erring: model unavailable")
	require.Zero(t, res.Dropped, "findings of failed reviewers are not counted as dropped")
}

// TestRunSkippedFiles lists binary and too-large files in PR order.
func TestRunSkippedFiles(t *testing.T) {
	t.Parallel()
	res := reviewer.Run(context.Background(), samplePR(t))
	require.Equal(t, []reviewer.SkippedFile{
		{Path: "/img/logo.png", Reason: reviewer.SkipBinary},
		{Path: "/data/big.csv", Reason: "file larger than 4 bytes"},
	}, res.Skipped)
	require.Empty(t, res.Findings)
	require.Empty(t, res.Ran)
	require.NoError(t, res.Err())
}

// TestRunNilPullRequest treats a nil pull request as empty.
func TestRunNilPullRequest(t *testing.T) {
	t.Parallel()
	res := reviewer.Run(context.Background(), nil, reviewer.Rules(), stubReviewer{name: "stub", findings: []reviewer.Finding{at("/x", 1, 1)}})
	require.Equal(t, []string{reviewer.RulesName, "stub"}, res.Ran)
	require.Equal(t, 1, res.Dropped)
	require.Empty(t, res.Findings)
}

// TestRunCancelled: the built-in rules honour a cancelled context and are
// reported as failed.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := reviewer.Run(ctx, samplePR(t), reviewer.Rules())
	require.Len(t, res.Failed, 1)
	require.ErrorIs(t, res.Failed[0].Err, context.Canceled)
}

// TestRunStoppedReviewersGetTheCause: a reviewer that fails with a context
// error once the context is done is listed with the context's cause, not its
// own wording of it (which may name an endpoint); other errors are kept.
func TestRunStoppedReviewersGetTheCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("out of time for reviewers")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	own := errors.New("own failure")
	res := reviewer.Run(ctx, samplePR(t),
		stubReviewer{name: "llm", err: fmt.Errorf("POST https://llm.internal/v1: %w", context.Canceled)},
		stubReviewer{name: "other", err: own},
	)
	require.Len(t, res.Failed, 2)
	require.Equal(t, reviewer.Failure{Reviewer: "llm", Err: cause}, res.Failed[0])
	require.Equal(t, reviewer.Failure{Reviewer: "other", Err: own}, res.Failed[1])
}

// TestSeverity orders the severities.
func TestSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s     reviewer.Severity
		rank  int
		valid bool
	}{
		{reviewer.SeverityInfo, 1, true},
		{reviewer.SeverityWarning, 2, true},
		{reviewer.SeverityError, 3, true},
		{"fatal", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.rank, tt.s.Rank(), tt.s)
		require.Equal(t, tt.valid, tt.s.Valid(), tt.s)
	}
	require.True(t, reviewer.SeverityError.AtLeast(reviewer.SeverityWarning))
	require.True(t, reviewer.SeverityWarning.AtLeast(reviewer.SeverityWarning))
	require.False(t, reviewer.SeverityInfo.AtLeast(reviewer.SeverityWarning))
}
