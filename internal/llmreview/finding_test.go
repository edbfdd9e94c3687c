package llmreview_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
)

// TestAmbientOpenAIEnvIgnored checks that the SDK's own OPENAI_* variables
// do not redirect requests or add a key the Config does not have. It is not
// parallel because it sets environment variables.
func TestAmbientOpenAIEnvIgnored(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-ambient-should-not-be-sent")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	_, err := newReviewer(t, srv, nil).Review(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Equal(t, "Bearer "+testKey, srv.recorded()[0].Header.Get("Authorization"))

	// Without a configured key (Ollama), the ambient key is not sent either.
	_, err = newReviewer(t, srv, func(c *llmreview.Config) { c.APIKey = "" }).Review(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Empty(t, srv.recorded()[1].Header.Get("Authorization"))
}

func TestFindingShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, category, replacement string
		wantRule, wantMessage       string
	}{
		{"category slug", "  Security / SQL Injection!! ", "", "llm/security-sql-injection", "m"},
		{"empty category", "", "", "llm/general", "m"},
		{"replacement kept apart from the message", "bug", "x := \"```\"\n", "llm/bug", "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
				answer(w, finding("/a.go", 3, 0, "INFO", tt.category, " m ", tt.replacement))
			})
			findings, err := newReviewer(t, srv, nil).Review(testCtx(t), samplePR())
			require.NoError(t, err)
			require.Len(t, findings, 1)
			require.Equal(t, tt.wantRule, findings[0].Rule)
			require.Equal(t, tt.wantMessage, findings[0].Message)
			require.Equal(t, tt.replacement, findings[0].Suggestion)
			require.Equal(t, 3, findings[0].EndLine, "an end line of 0 means the start line")
		})
	}
}

// TestFindingsPerRequestCapped: one answer of 302 findings (issue 8, hole 7)
// keeps the default cap of 20, errors first, and counts the rest as
// dropped over_limit.
func TestFindingsPerRequestCapped(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		var fs []map[string]any
		for i := range 302 {
			sev := "info"
			if i%100 == 99 {
				sev = "error"
			}
			fs = append(fs, finding("/b.go", 10, 10, sev, fmt.Sprintf("c%d", i), "m", ""))
		}
		answer(w, fs...)
	})
	findings, stats, err := newReviewer(t, srv, nil).ReviewWithStats(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Len(t, findings, 20)
	for _, f := range findings[:3] {
		require.Equal(t, "error", string(f.Severity), "the most severe are kept first")
	}
	require.Equal(t, 282, stats.Dropped["over_limit"])

	srv2 := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w, finding("/b.go", 10, 10, "info", "a", "m", ""), finding("/b.go", 10, 10, "info", "b", "m", ""))
	})
	findings, _, err = newReviewer(t, srv2, func(c *llmreview.Config) { c.MaxFindingsPerRequest = 1 }).ReviewWithStats(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Len(t, findings, 1)
}
