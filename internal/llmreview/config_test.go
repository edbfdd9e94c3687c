package llmreview_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
)

// TestNewRejectsInvalidConfig: every mistake is a *SettingError naming the
// Config field, in words that name no environment variable (only the
// program reading the configuration knows those), and never the key.
func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         llmreview.Config
		wantSetting []string
	}{
		{"no model", llmreview.Config{APIKey: testKey}, []string{"Model"}},
		{"negative concurrency", llmreview.Config{Model: "m", MaxConcurrency: -1}, []string{"MaxConcurrency"}},
		{"Azure without anything", llmreview.Config{Provider: llmreview.ProviderAzure}, []string{"Endpoint", "Deployment", "APIVersion", "APIKey"}},
		{"credentials in the URL", llmreview.Config{Model: "m", BaseURL: "https://user:" + testKey + "@llm.example/v1"}, []string{"BaseURL"}},
		{"small budget", llmreview.Config{Model: "m", MaxInputTokens: 100}, []string{"MaxInputTokens"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := llmreview.New(tt.cfg)
			require.Error(t, err)
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var se *llmreview.SettingError
				require.ErrorAs(t, e, &se)
				got = append(got, se.Setting)
			}
			require.Equal(t, tt.wantSetting, got)
			require.NotRegexp(t, `LLM_|AZURE_OPENAI_`, err.Error(), "no environment variable")
			requireNoSecret(t, err.Error(), testKey, "config error")
		})
	}
}
