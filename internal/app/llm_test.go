package app_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/llmreview"
)

const testKey = "sk-test-8d2e4f6a1b3c"

// TestLLMConfig: the LLM reviewer's settings, given as the environment
// variables the README lists (through their flags), make the
// llmreview.Config the worker runs with, and a mistake names the variable
// to set.
func TestLLMConfig(t *testing.T) {
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
				require.Equal(t, llmreview.DefaultMaxRequests, c.MaxRequests, "the default bound")
			},
		},
		{
			name: "Ollama with tuning",
			env: map[string]string{
				"LLM_BASE_URL": "http://127.0.0.1:11434/v1", "LLM_MODEL": "qwen2.5-coder:7b",
				"LLM_MAX_INPUT_TOKENS": "6000", "LLM_CONCURRENCY": "4", "LLM_TIMEOUT": "90s", "LLM_MAX_REQUESTS": "3",
			},
			wantConfigured: true,
			check: func(t *testing.T, c llmreview.Config) {
				require.Equal(t, "http://127.0.0.1:11434/v1", c.BaseURL)
				require.Equal(t, 6000, c.MaxInputTokens)
				require.Equal(t, 3, c.MaxRequests)
				require.Equal(t, 4, c.MaxConcurrency)
				require.Equal(t, 90*time.Second, c.Timeout)
			},
		},
		{
			name:           "base URL without model",
			env:            map[string]string{"LLM_BASE_URL": "http://127.0.0.1:11434/v1"},
			wantConfigured: true,
			wantErr:        "--llm-model / LLM_MODEL: no model configured",
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
			wantErr:        "--azure-openai-endpoint / AZURE_OPENAI_ENDPOINT: Azure OpenAI needs an endpoint",
		},
		{
			name: "Azure over plain http",
			env: map[string]string{
				"AZURE_OPENAI_ENDPOINT": "http://res.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "gpt4o",
				"AZURE_OPENAI_API_VERSION": "2024-10-21", "AZURE_OPENAI_API_KEY": testKey,
			},
			wantConfigured: true,
			wantErr:        "AZURE_OPENAI_ENDPOINT: must use https",
		},
		{
			name:           "Azure without key",
			env:            map[string]string{"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "d", "AZURE_OPENAI_API_VERSION": "v"},
			wantConfigured: true,
			wantErr:        "--azure-openai-api-key / AZURE_OPENAI_API_KEY: Azure OpenAI needs an API key",
		},
		{
			name:           "unknown provider",
			env:            map[string]string{"LLM_PROVIDER": "bedrock", "LLM_MODEL": "m"},
			wantConfigured: true,
			wantErr:        `LLM_PROVIDER: unknown provider "bedrock"`,
		},
		{
			name:           "bad number",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_CONCURRENCY": "two"},
			wantConfigured: true,
			wantErr:        `"two" for flag -llm-concurrency`,
		},
		{
			name:           "duration without its unit",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_TIMEOUT": "5"},
			wantConfigured: true,
			wantErr:        `"5" for flag -llm-timeout`,
		},
		{
			name:           "budget too small",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_MAX_INPUT_TOKENS": "100"},
			wantConfigured: true,
			wantErr:        "LLM_MAX_INPUT_TOKENS: 100 is below the minimum",
		},
		{
			name:           "credentials in the URL",
			env:            map[string]string{"LLM_MODEL": "m", "LLM_BASE_URL": "https://user:" + testKey + "@llm.example/v1"},
			wantConfigured: true,
			wantErr:        "LLM_BASE_URL: must not contain credentials",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, configured, err := llmFromEnvMap(t, tt.env)
			require.Equal(t, tt.wantConfigured, configured)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), testKey, "config error")
				return
			}
			require.NoError(t, err)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// llmFromEnvMap reads env, environment variables by name, through the LLM
// flags they set, as the worker's flag layer does.
func llmFromEnvMap(t *testing.T, env map[string]string) (llmreview.Config, bool, error) {
	t.Helper()
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	settings := app.RegisterLLM(fs)
	var args []string
	for k, v := range env {
		name := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		require.Equal(t, k, app.EnvName(name))
		args = append(args, "--"+name+"="+v)
	}
	if err := app.Parse(fs, args); err != nil {
		return llmreview.Config{}, true, err
	}
	return settings.Config()
}

// TestLLMSettingsFromTheEnvironment: the LLM's settings are read from the
// environment by the same layer as every flag, and a mistake tells the
// operator which variable to set (the library's error names the field
// only).
func TestLLMSettingsFromTheEnvironment(t *testing.T) {
	t.Setenv("LLM_BASE_URL", "http://127.0.0.1:11434/v1")
	t.Setenv("LLM_MODEL", "")
	t.Setenv("LLM_TIMEOUT", "90s")
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, wc := app.RegisterCommon(fs), app.RegisterWorker(fs)
	require.NoError(t, app.Parse(fs, nil))
	require.Equal(t, 90*time.Second, wc.LLM.Timeout)
	_, configured, err := wc.LLM.Config()
	require.True(t, configured)
	require.ErrorContains(t, err, "LLM_MODEL")
	require.ErrorContains(t, err, "--llm-model")
}

// TestWorkerHelpListsTheLLMSettings: every LLM setting is a flag of the
// worker, shown by --help with its environment variable.
func TestWorkerHelpListsTheLLMSettings(t *testing.T) {
	t.Parallel()
	var help strings.Builder
	err := app.WorkerMain(t.Context(), []string{"--help"}, io.Discard, &help)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, env := range []string{
		"LLM_PROVIDER", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY",
		"AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT", "AZURE_OPENAI_API_VERSION", "AZURE_OPENAI_API_KEY",
		"LLM_MAX_INPUT_TOKENS", "LLM_CONCURRENCY", "LLM_TIMEOUT", "LLM_MAX_FINDINGS", "LLM_MAX_REQUESTS",
		"LLM_COMMAND_LIMIT", "LLM_COMMAND_WINDOW", "LLM_BUDGET", "LLM_BUDGET_WINDOW",
	} {
		require.Contains(t, help.String(), "["+env+"]")
	}
	require.Regexp(t, `--llm-budget int  \[LLM_BUDGET\]\n[^\n]*0: no budget \(default 2000\)`, help.String())
	require.Regexp(t, `--llm-budget-window duration  \[LLM_BUDGET_WINDOW\]\n[^\n]*\(default 1h0m0s\)`, help.String())
	require.Contains(t, help.String(), "--llm-max-input-tokens int  [LLM_MAX_INPUT_TOKENS]")
	require.Contains(t, help.String(), "(default 12000)")
}
