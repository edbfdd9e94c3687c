package repoconfig_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// TestLLMContextKeys: llm.context_lines and llm.guidance parse, are
// bounded, default when unset, and merge repository over organisation.
func TestLLMContextKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		yaml         string
		wantWindow   int
		wantGuidance bool
		wantErr      string
	}{
		{name: "unset", yaml: "version: 1\n", wantWindow: repoconfig.DefaultContextLines, wantGuidance: true},
		{name: "set", yaml: "llm: {context_lines: 30, guidance: false}\n", wantWindow: 30, wantGuidance: false},
		{name: "zero turns the window off", yaml: "llm: {context_lines: 0}\n", wantWindow: 0, wantGuidance: true},
		{name: "over the limit", yaml: "llm: {context_lines: 5000}\n", wantErr: "llm.context_lines: is 5000; the limit is 200 lines"},
		{name: "negative", yaml: "llm: {context_lines: -1}\n", wantErr: "llm.context_lines: -1 is negative"},
		{name: "not a boolean", yaml: "llm: {guidance: maybe}\n", wantErr: "llm.guidance: expected true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := repoconfig.Parse([]byte(tt.yaml))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			got := repoconfig.Merge(repoconfig.Defaults(), cfg)
			require.Equal(t, tt.wantWindow, got.LLM.Window())
			require.Equal(t, tt.wantGuidance, got.LLM.GuidanceOn())
		})
	}
	org, err := repoconfig.Parse([]byte("llm: {context_lines: 50, guidance: false}\n"))
	require.NoError(t, err)
	repo, err := repoconfig.Parse([]byte("llm: {context_lines: 5}\n"))
	require.NoError(t, err)
	merged := repoconfig.Merge(org, repo)
	require.Equal(t, 5, merged.LLM.Window())
	require.False(t, merged.LLM.GuidanceOn(), "the organisation's switch stays unless the repository sets its own")
}

// TestLLMMaxRequests: llm.max_requests is a whole number of at least 1,
// and merging keeps the lower of the organisation's and the repository's,
// so a repository can lower the organisation's bound but not raise it.
func TestLLMMaxRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		org, repo string
		want      int
		wantErr   string
	}{
		{name: "unset", org: "version: 1\n", repo: "version: 1\n", want: 0},
		{name: "the repository's", org: "version: 1\n", repo: "llm: {max_requests: 3}\n", want: 3},
		{name: "the organisation's", org: "llm: {max_requests: 4}\n", repo: "version: 1\n", want: 4},
		{name: "the repository lowers it", org: "llm: {max_requests: 4}\n", repo: "llm: {max_requests: 2}\n", want: 2},
		{name: "the repository cannot raise it", org: "llm: {max_requests: 4}\n", repo: "llm: {max_requests: 1000}\n", want: 4},
		{name: "zero", org: "version: 1\n", repo: "llm: {max_requests: 0}\n", wantErr: "llm.max_requests: is 0; expected 1 or more"},
		{name: "negative", org: "version: 1\n", repo: "llm: {max_requests: -1}\n", wantErr: "llm.max_requests: -1 is negative"},
		{name: "not a number", org: "version: 1\n", repo: "llm: {max_requests: many}\n", wantErr: "llm.max_requests: expected a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			org, err := repoconfig.Parse([]byte(tt.org))
			require.NoError(t, err)
			repo, err := repoconfig.Parse([]byte(tt.repo))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, repoconfig.Merge(repoconfig.Merge(repoconfig.Defaults(), org), repo).LLM.RequestLimit())
		})
	}
}
