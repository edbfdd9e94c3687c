package app

import (
	"cmp"
	"errors"
	"flag"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// LLM is the LLM reviewer's configuration, as flags and environment
// variables like every other setting.
type LLM struct {
	Provider        string
	BaseURL         string
	APIKey          string
	Model           string
	AzureEndpoint   string
	AzureDeployment string
	AzureAPIVersion string
	AzureAPIKey     string
	MaxInputTokens  int
	Concurrency     int
	Timeout         time.Duration
	MaxFindings     int
	// MaxRequests bounds the requests of one review.
	MaxRequests int
	// CommandLimit and CommandWindow rate-limit /azreviewer ask and
	// describe per pull request.
	CommandLimit  int
	CommandWindow time.Duration
	// Budget and BudgetWindow bound the model requests of an
	// organisation's reviews and commands together, across the fleet (0:
	// no budget).
	Budget       int
	BudgetWindow time.Duration
}

// RegisterLLM adds the LLM reviewer's flags to fs.
func RegisterLLM(fs *flag.FlagSet) *LLM {
	c := &LLM{}
	c.register(fs)
	return c
}

func (c *LLM) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Provider, "llm-provider", "", `LLM API of the llm reviewer: "openai" (the default) or "azure" (the default when --azure-openai-endpoint is set); with neither a model, a base URL nor an Azure endpoint set there is no LLM reviewer`)
	fs.StringVar(&c.BaseURL, "llm-base-url", "", "OpenAI-compatible base URL with its version path, e.g. http://127.0.0.1:11434/v1 for Ollama (empty: OpenAI's)")
	fs.StringVar(&c.APIKey, "llm-api-key", "", "the LLM's API key, sent as a bearer token; optional for local servers (prefer the environment variable)")
	fs.StringVar(&c.Model, "llm-model", "", "the LLM's model, e.g. gpt-4o-mini")
	fs.StringVar(&c.AzureEndpoint, "azure-openai-endpoint", "", "Azure OpenAI resource endpoint, e.g. https://my-resource.openai.azure.com")
	fs.StringVar(&c.AzureDeployment, "azure-openai-deployment", "", "Azure OpenAI deployment name")
	fs.StringVar(&c.AzureAPIVersion, "azure-openai-api-version", "", "Azure OpenAI api-version, e.g. 2024-10-21")
	fs.StringVar(&c.AzureAPIKey, "azure-openai-api-key", "", "Azure OpenAI api-key (default: --llm-api-key; prefer the environment variable)")
	fs.IntVar(&c.MaxInputTokens, "llm-max-input-tokens", llmreview.DefaultMaxInputTokens, "estimated prompt tokens of one LLM request; files are batched to fit")
	fs.IntVar(&c.Concurrency, "llm-concurrency", llmreview.DefaultMaxConcurrency, "LLM requests at once per review")
	fs.DurationVar(&c.Timeout, "llm-timeout", llmreview.DefaultTimeout, "time limit of one LLM request attempt")
	fs.IntVar(&c.MaxFindings, "llm-max-findings", llmreview.DefaultMaxFindingsPerRequest, "findings kept from one LLM answer, the most severe first; the rest are counted as dropped")
	fs.IntVar(&c.MaxRequests, "llm-max-requests", llmreview.DefaultMaxRequests, "most LLM requests one review sends; the files of the batches beyond it, in pull-request order, are named in the summary as not reviewed by the model (the other reviewers still review them); a repository's llm.max_requests can only lower it; negative: no limit")
	fs.IntVar(&c.CommandLimit, "llm-command-limit", worker.DefaultCommandLimit, "/azreviewer ask and describe commands one pull request gets per --llm-command-window, counted across the fleet")
	fs.DurationVar(&c.CommandWindow, "llm-command-window", worker.DefaultCommandWindow, "the window of --llm-command-limit")
	fs.IntVar(&c.Budget, "llm-budget", worker.DefaultLLMBudget, "most LLM requests an organisation's reviews and ask/describe commands send between them per --llm-budget-window, counted across the fleet; past it a review goes on without the model (its files named as not reviewed by it) and a command is answered with when the next is possible; 0: no budget")
	fs.DurationVar(&c.BudgetWindow, "llm-budget-window", worker.DefaultLLMBudgetWindow, "the window of --llm-budget")
}

// Config returns the LLM reviewer's configuration; configured is false,
// and the error nil, when no LLM is configured: without --llm-model and
// --llm-base-url (OpenAI) or --azure-openai-endpoint and
// --azure-openai-deployment (Azure). A configured but invalid one returns
// its mistakes named by the flags and variables an operator sets.
func (c *LLM) Config() (cfg llmreview.Config, configured bool, err error) {
	cfg = llmreview.Config{
		Provider:              strings.ToLower(strings.TrimSpace(c.Provider)),
		BaseURL:               strings.TrimSpace(c.BaseURL),
		APIKey:                strings.TrimSpace(c.APIKey),
		Model:                 strings.TrimSpace(c.Model),
		Endpoint:              strings.TrimSpace(c.AzureEndpoint),
		Deployment:            strings.TrimSpace(c.AzureDeployment),
		APIVersion:            strings.TrimSpace(c.AzureAPIVersion),
		MaxInputTokens:        c.MaxInputTokens,
		MaxConcurrency:        c.Concurrency,
		Timeout:               c.Timeout,
		MaxFindingsPerRequest: c.MaxFindings,
		MaxRequests:           c.MaxRequests,
	}
	if cfg.Provider == "" && cfg.Endpoint != "" {
		cfg.Provider = llmreview.ProviderAzure
	}
	if cfg.Provider == llmreview.ProviderAzure {
		cfg.APIKey = cmp.Or(strings.TrimSpace(c.AzureAPIKey), cfg.APIKey)
		if cfg.Endpoint == "" && cfg.Deployment == "" {
			return llmreview.Config{}, false, nil
		}
	} else if cfg.Model == "" && cfg.BaseURL == "" && cfg.Provider == "" {
		return llmreview.Config{}, false, nil
	}
	if err := cfg.Validate(); err != nil {
		return cfg, true, nameLLMSettings(err)
	}
	return cfg, true, nil
}

// llmFlag is the flag an operator sets for an llmreview.Config field.
func llmFlag(setting string) string {
	switch setting {
	case "Provider":
		return "llm-provider"
	case "BaseURL":
		return "llm-base-url"
	case "Model":
		return "llm-model"
	case "Endpoint":
		return "azure-openai-endpoint"
	case "Deployment":
		return "azure-openai-deployment"
	case "APIVersion":
		return "azure-openai-api-version"
	case "APIKey":
		return "azure-openai-api-key" // only Azure requires a key
	case "MaxInputTokens":
		return "llm-max-input-tokens"
	case "MaxConcurrency":
		return "llm-concurrency"
	case "Timeout":
		return "llm-timeout"
	case "MaxFindingsPerRequest":
		return "llm-max-findings"
	}
	return ""
}

// nameLLMSettings names the flag and variable of each
// *llmreview.SettingError joined in err.
func nameLLMSettings(err error) error {
	return nameSettings(err, func(e error) (flag, prefix, reason string) {
		var se *llmreview.SettingError
		if !errors.As(e, &se) {
			return "", "", ""
		}
		return llmFlag(se.Setting), "llm: ", se.Reason
	})
}
