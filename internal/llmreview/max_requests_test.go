package llmreview_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// TestReviewMaxRequests: a review sends at most the configured number of
// requests, the first batches in pull-request order; the files of the
// batches beyond are named as not sent, and a review context (a
// repository's llm.max_requests) lowers the bound but never raises it.
func TestReviewMaxRequests(t *testing.T) {
	t.Parallel()
	// One file per batch at the minimum budget: ten files need ten
	// requests.
	paths := make([]string, 10)
	for i := range paths {
		paths[i] = fmt.Sprintf("/f%02d.go", i)
	}
	tests := []struct {
		name        string
		maxRequests int // Config.MaxRequests
		context     int // ReviewContext.MaxRequests
		wantSent    int
		wantNote    string
	}{
		{"the default bound", 0, 0, llmreview.DefaultMaxRequests,
			`Not reviewed by the model (at most 8 requests per review): 2 changed files, "/f08.go", "/f09.go"; the other reviewers reviewed them.`},
		{"a bound of 3", 3, 0, 3,
			`Not reviewed by the model (at most 3 requests per review): 7 changed files, "/f03.go", "/f04.go", "/f05.go", "/f06.go", "/f07.go", "/f08.go", "/f09.go"; the other reviewers reviewed them.`},
		{"the repository lowers it", 3, 2, 2, "(at most 2 requests per review): 8 changed files"},
		{"the repository cannot raise it", 3, 100, 3, "(at most 3 requests per review): 7 changed files"},
		{"no limit", -1, 0, 10, ""},
		{"the repository bounds an unlimited reviewer", -1, 4, 4, "(at most 4 requests per review): 6 changed files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
			r := newReviewer(t, srv, func(c *llmreview.Config) {
				c.MaxInputTokens = llmreview.MinMaxInputTokens
				c.MaxRequests = tt.maxRequests
			})
			p := r.PerReview("", "")
			p.SetContext(reviewer.ReviewContext{MaxRequests: tt.context})
			_, err := p.Review(testCtx(t), bigPR(10, 20))
			require.NoError(t, err)

			reqs := srv.recorded()
			require.Len(t, reqs, tt.wantSent, "exactly the bound")
			var sent []string
			for _, req := range reqs {
				for _, line := range strings.Split(req.Body.message("user"), "\n") {
					if path, ok := strings.CutPrefix(line, "File: "); ok {
						sent = append(sent, strings.Fields(path)[0])
					}
				}
			}
			require.ElementsMatch(t, paths[:tt.wantSent], sent, "the first files in pull-request order")
			if tt.wantNote == "" {
				require.NotContains(t, p.Notes(), "Not reviewed by the model")
				return
			}
			require.Contains(t, p.Notes(), tt.wantNote)
			require.Contains(t, p.Notes(), fmt.Sprintf("LLM: %d requests", tt.wantSent))
		})
	}
}

// TestReviewMaxRequestsWithinAFile: when the bound falls within a file
// split into parts, the file is named as partly sent, and the files after
// it as not sent.
func TestReviewMaxRequestsWithinAFile(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	r := newReviewer(t, srv, func(c *llmreview.Config) {
		c.MaxInputTokens = llmreview.MinMaxInputTokens
		c.MaxRequests = 2
	})
	pr := bigPR(1, 20)
	huge := bigPR(1, 600).Files[0]
	huge.Path = "/huge.go"
	pr.Files = append(pr.Files, huge, bigPR(2, 20).Files[1])

	_, stats, err := r.ReviewWithStats(testCtx(t), pr)
	require.NoError(t, err)
	require.Len(t, srv.recorded(), 2)
	require.Equal(t, []string{"/huge.go"}, stats.PartlySent)
	require.Equal(t, []string{"/f01.go"}, stats.NotSent)
	require.Equal(t, 2, stats.MaxRequests)
	require.Equal(t, `Not reviewed by the model (at most 2 requests per review): 1 changed file, "/f01.go", and part of "/huge.go"; the other reviewers reviewed them.`,
		stats.NotSentNote())
}

// TestNotSentNoteBounds: the note names at most 8 files, each shortened,
// Go-quoted, and counts the others.
func TestNotSentNoteBounds(t *testing.T) {
	t.Parallel()
	s := llmreview.Stats{MaxRequests: 1}
	for i := range 30 {
		s.NotSent = append(s.NotSent, fmt.Sprintf("/%s/f%02d\n.go", strings.Repeat("d", 100), i))
	}
	note := s.NotSentNote()
	require.Contains(t, note, "30 changed files")
	require.Contains(t, note, " and 22 more;")
	require.Equal(t, 8, strings.Count(note, "…\""))
	require.NotContains(t, note, "\n")
	require.Less(t, len([]rune(note)), 700)
}

// TestPerReviewUnjudged: the files the model did not judge are those the
// bound left out, in whole or in part, and those of a request that failed
// while others succeeded (the review itself succeeds); each once, with the
// model's rules.
func TestPerReviewUnjudged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxRequests int
		failing     string // a request showing this fails
		want        []string
	}{
		{"every file sent", -1, "", nil},
		{"the bound", 2, "", []string{"/f01.go", "/huge.go"}},
		{"the bound and a failed request", 2, "File: /f00.go", []string{"/f01.go", "/huge.go", "/f00.go"}},
		{"a failed request alone", -1, "File: /f01.go", []string{"/f01.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, body chatRequest) {
				if tt.failing != "" && strings.Contains(body.message("user"), tt.failing) {
					fail(w, http.StatusBadRequest, "no")
					return
				}
				answer(w)
			})
			r := newReviewer(t, srv, func(c *llmreview.Config) {
				c.MaxInputTokens = llmreview.MinMaxInputTokens
				c.MaxRequests = tt.maxRequests
			})
			pr := bigPR(1, 20)
			huge := bigPR(1, 600).Files[0]
			huge.Path = "/huge.go"
			pr.Files = append(pr.Files, huge, bigPR(2, 20).Files[1])
			p := r.PerReview("", "")
			require.Empty(t, p.Unjudged(), "before Review")
			_, err := p.Review(testCtx(t), pr)
			require.NoError(t, err)
			var got []string
			for _, u := range p.Unjudged() {
				require.Equal(t, llmreview.Name, u.Rules)
				got = append(got, u.Path)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestPerReviewJudges: the model's rules are "llm/" and a category, on any
// file (what it was not sent is Unjudged's).
func TestPerReviewJudges(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	p := newReviewer(t, srv, nil).PerReview("", "")
	for rule, want := range map[string]bool{"llm/bug": true, "llm/security": true, "llm": false, "llmx/bug": false, "debug/debugger": false} {
		require.Equal(t, want, p.Judges(rule, "/a.go"), rule)
	}
}
