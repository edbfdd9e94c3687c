package llmreview_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		env            map[string]string
		wantConfigured bool
		wantErr        string
		check          func(t *testing.T, c llmreview.Config)
	}{
		{name: "nothing set", env: nil},
		{name: "only a key", env: map[string]string{"LLM_API_KEY": testKey}},
		{
			name:           "OpenAI",
			env:            map[string]string{"LLM_MODEL": "gpt-4o-mini", "LLM_API_KEY": testKey},
			wantConfigured: true,
			check: func(t *testing.T, c llmreview.Config) {
				require.Equal(t, "gpt-4o-mini", c.Model)
				require.Equal(t, testKey, c.APIKey)
				require.Empty(t, c.BaseURL)
			},
		},
		{
			name: "Ollama with tuning",
			env: map[string]string{
				"LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "qwen2.5-coder:7b",
				"LLM_MAX_INPUT_TOKENS": "6000", "LLM_CONCURRENCY": "4", "LLM_TIMEOUT": "90s",
			},
			wantConfigured: true,
			check: func(t *testing.T, c llmreview.Config) {
				require.Equal(t, "http://127.0.0.1:11434/v1", c.BaseURL)
				require.Equal(t, 6000, c.MaxInputTokens)
				require.Equal(t, 4, c.MaxConcurrency)
				require.Equal(t, 90*time.Second, c.Timeout)
			},
		},
		{
			name:           "base URL without model",
			env:            map[string]string{"LLM_BASE_URL": "http://127.0.0.1:11434/v1"},
			wantConfigured: true,
			wantErr:        "set LLM_MODEL",
		},
		{
			name: "Azure inferred from the endpoint",
			env: map[string]string{
				"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "gpt4o",
				"AZURE_OPENAI_API_VERSION": "2024-10-21", "AZURE_OPENAI_API_KEY": testKey,
			},
			wantConfigured: true,
			check: func(t *testing.T, c llmreview.Config) {
				require.Equal(t, llmreview.ProviderAzure, c.Provider)
				require.Equal(t, "gpt4o", c.Deployment)
				require.Equal(t, testKey, c.APIKey)
			},
		},
		{
			name: "Azure falls back to LLM_API_KEY",
			env: map[string]string{
				"LLM_PROVIDER": "azure", "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
				"AZURE_OPENAI_DEPLOYMENT": "gpt4o", "AZURE_OPENAI_API_VERSION": "2024-10-21", "LLM_API_KEY": testKey,
			},
			wantConfigured: true,
			check:          func(t *testing.T, c llmreview.Config) { require.Equal(t, testKey, c.APIKey) },
		},
		{
			name:           "Azure incomplete",
			env:            map[string]string{"LLM_PROVIDER": "azure", "AZURE_OPENAI_DEPLOYMENT": "gpt4o"},
			wantConfigured: true,
			wantErr:        "AZURE_OPENAI_ENDPOINT",
		},
		{
			name: "Azure over plain http",
			env: map[string]string{
				"AZURE_OPENAI_ENDPOINT": "http://res.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "gpt4o",
				"AZURE_OPENAI_API_VERSION": "2024-10-21", "AZURE_OPENAI_API_KEY": testKey,
			},
			wantConfigured: true,
			wantErr:        "must use https",
		},
		{
			name:           "Azure without key",
			env:            map[string]string{"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "d", "AZURE_OPENAI_API_VERSION": "v"},
			wantConfigured: true,
			wantErr:        "AZURE_OPENAI_API_KEY",
		},
		{
			name:           "unknown provider",
			env:            map[string]string{"LLM_PROVIDER": "bedrock", "LLM_MODEL": "m"},
			wantConfigured: true,
			wantErr:        `unknown provider "bedrock"`,
		},
		{
			name:           "bad numbers",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_CONCURRENCY": "two", "LLM_TIMEOUT": "5"},
			wantConfigured: true,
			wantErr:        "LLM_CONCURRENCY",
		},
		{
			name:           "budget too small",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_MAX_INPUT_TOKENS": "100"},
			wantConfigured: true,
			wantErr:        "below the minimum",
		},
		{
			name:           "credentials in the URL",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_BASE_URL": "https://user:" + testKey + "@llm.example/v1"},
			wantConfigured: true,
			wantErr:        "must not contain credentials",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, configured, err := llmreview.ConfigFromEnv(func(k string) string { return tt.env[k] })
			require.Equal(t, tt.wantConfigured, configured)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				requireNoSecret(t, err.Error(), testKey, "config error")
				return
			}
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	_, err := llmreview.New(llmreview.Config{APIKey: testKey})
	require.ErrorContains(t, err, "LLM_MODEL")
	requireNoSecret(t, err.Error(), testKey, "config error")
	_, err = llmreview.New(llmreview.Config{Model: "m", MaxConcurrency: -1})
	require.ErrorContains(t, err, "LLM_CONCURRENCY")
}
