package llmreview

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// The providers a [Config] can name.
const (
	// ProviderOpenAI is any OpenAI-compatible Chat Completions endpoint:
	// OpenAI itself, Ollama, vLLM, LiteLLM, ….
	ProviderOpenAI = "openai"
	// ProviderAzure is Azure OpenAI: a resource endpoint, a deployment and
	// an api-version, authenticated with an api-key header.
	ProviderAzure = "azure"
)

// Defaults of [Config].
const (
	// DefaultMaxInputTokens is the default estimated prompt size per request.
	DefaultMaxInputTokens = 12000
	// DefaultMaxConcurrency is the default number of concurrent requests.
	DefaultMaxConcurrency = 2
	// DefaultTimeout is the default time limit of one request attempt.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxRetries is the default number of retries of a request.
	DefaultMaxRetries = 2
	// DefaultLanguage is the default language of review comments.
	DefaultLanguage = "English"
	// MinMaxInputTokens is the smallest accepted MaxInputTokens: the system
	// prompt and the pull request's title and description need room.
	MinMaxInputTokens = 1500
	// DefaultMaxFindingsPerRequest is the default number of findings kept
	// from one answer.
	DefaultMaxFindingsPerRequest = 20
	// MaxDescriptionChars bounds the pull request description put in a
	// prompt; a longer one is truncated.
	MaxDescriptionChars = 4000
)

// SecretLines reports which of lines, consecutive lines of the file at path,
// may hold a secret; [secrets.Scanner.Lines] does.
type SecretLines interface {
	Lines(path string, lines []string) []bool
}

// Config configures a [Reviewer]. The zero values of the optional fields
// select the defaults; [ConfigFromEnv] reads it from the environment.
type Config struct {
	// Provider is [ProviderOpenAI] (the default) or [ProviderAzure].
	Provider string
	// BaseURL is the OpenAI-compatible API's base URL, including the version
	// path, e.g. http://127.0.0.1:11434/v1 for Ollama. Empty means
	// https://api.openai.com/v1. Ignored for Azure.
	BaseURL string
	// APIKey authenticates requests: a bearer token for ProviderOpenAI (may be
	// empty for local servers such as Ollama), the api-key header for Azure
	// (required). It is a secret: it never appears in errors, logs or traces.
	APIKey string
	// Model is the model name, e.g. "gpt-4o-mini" or "qwen2.5-coder:7b".
	// Required for ProviderOpenAI; for Azure it defaults to Deployment and is
	// only used in traces.
	Model string
	// Endpoint is the Azure OpenAI resource endpoint, e.g.
	// https://my-resource.openai.azure.com. Required for Azure.
	Endpoint string
	// Deployment is the Azure OpenAI deployment name. Required for Azure.
	Deployment string
	// APIVersion is the Azure OpenAI api-version, e.g. 2024-10-21. Required
	// for Azure.
	APIVersion string
	// MaxInputTokens is the estimated prompt size per request (system and
	// user messages), estimated as one token per 4 bytes. Default
	// [DefaultMaxInputTokens]; at least [MinMaxInputTokens].
	MaxInputTokens int
	// MaxConcurrency is the number of requests in flight per review. Default
	// [DefaultMaxConcurrency].
	MaxConcurrency int
	// Timeout limits each request attempt. Default [DefaultTimeout].
	Timeout time.Duration
	// MaxRetries is how often the SDK retries a request after a 408, 409,
	// 429 or 5xx response or a connection error (not after an attempt timed
	// out: the batch then fails with reason FailTimeout). 0 means
	// [DefaultMaxRetries]; a negative value means no retries.
	MaxRetries int
	// MaxFindingsPerRequest is the most findings kept from one answer (one
	// batch): the most severe first; the rest are counted as dropped
	// ([DropOverLimit]). Default [DefaultMaxFindingsPerRequest].
	MaxFindingsPerRequest int
	// Temperature is the sampling temperature; nil leaves the model's
	// default (some reasoning models accept no other).
	Temperature *float64
	// ExtraInstructions are appended to the system prompt, e.g. a
	// repository's review guidelines.
	ExtraInstructions string
	// Language is the language of the review comments. Default
	// [DefaultLanguage].
	Language string
	// TracerProvider makes the per-batch spans. Nil means the global one.
	TracerProvider trace.TracerProvider
	// Secrets finds the lines masked before a prompt is built. Nil means a
	// [secrets.Scanner] of New's own; pass the worker's to share it.
	Secrets SecretLines
	// Logger receives warnings about failed batches. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with the defaults filled in.
func (c Config) withDefaults() Config {
	c.Provider = strings.ToLower(cmp.Or(strings.TrimSpace(c.Provider), ProviderOpenAI))
	if c.Provider == ProviderAzure {
		c.Model = cmp.Or(c.Model, c.Deployment)
	}
	c.MaxInputTokens = cmp.Or(c.MaxInputTokens, DefaultMaxInputTokens)
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, DefaultMaxConcurrency)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.MaxFindingsPerRequest = cmp.Or(c.MaxFindingsPerRequest, DefaultMaxFindingsPerRequest)
	c.MaxRetries = cmp.Or(c.MaxRetries, DefaultMaxRetries)
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	c.Language = cmp.Or(strings.TrimSpace(c.Language), DefaultLanguage)
	return c
}

// Validate reports what is wrong with the configuration (after defaults), in
// terms of the environment variables an operator sets. It never includes the
// API key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	switch c.Provider {
	case ProviderOpenAI:
		if c.Model == "" {
			errs = append(errs, errors.New("llm: no model configured: set LLM_MODEL (e.g. gpt-4o-mini, or an Ollama model name)"))
		}
		if c.BaseURL != "" {
			errs = append(errs, checkURL("LLM_BASE_URL", c.BaseURL, false))
		}
	case ProviderAzure:
		if c.Endpoint == "" {
			errs = append(errs, errors.New("llm: Azure OpenAI needs an endpoint: set AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com)"))
		} else {
			errs = append(errs, checkURL("AZURE_OPENAI_ENDPOINT", c.Endpoint, true))
		}
		if c.Deployment == "" {
			errs = append(errs, errors.New("llm: Azure OpenAI needs a deployment: set AZURE_OPENAI_DEPLOYMENT"))
		}
		if c.APIVersion == "" {
			errs = append(errs, errors.New("llm: Azure OpenAI needs an api-version: set AZURE_OPENAI_API_VERSION (e.g. 2024-10-21)"))
		}
		if c.APIKey == "" {
			errs = append(errs, errors.New("llm: Azure OpenAI needs an API key: set AZURE_OPENAI_API_KEY"))
		}
	default:
		errs = append(errs, fmt.Errorf("llm: unknown provider %q: set LLM_PROVIDER to %q or %q", c.Provider, ProviderOpenAI, ProviderAzure))
	}
	if c.MaxInputTokens < MinMaxInputTokens {
		errs = append(errs, fmt.Errorf("llm: LLM_MAX_INPUT_TOKENS is %d, below the minimum of %d", c.MaxInputTokens, MinMaxInputTokens))
	}
	if c.MaxConcurrency < 1 {
		errs = append(errs, fmt.Errorf("llm: LLM_CONCURRENCY is %d, must be at least 1", c.MaxConcurrency))
	}
	if c.MaxFindingsPerRequest < 1 {
		errs = append(errs, fmt.Errorf("llm: LLM_MAX_FINDINGS is %d, must be at least 1", c.MaxFindingsPerRequest))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("llm: LLM_TIMEOUT is %s, must be positive", c.Timeout))
	}
	if c.Temperature != nil && (*c.Temperature < 0 || *c.Temperature > 2) {
		errs = append(errs, fmt.Errorf("llm: temperature %g is outside 0…2", *c.Temperature))
	}
	return errors.Join(errs...)
}

// checkURL checks that raw, the value of the variable name, is an absolute
// http(s) URL without credentials; https is required when httpsOnly, except
// for loopback hosts. The URL is not echoed, in case it holds a secret.
func checkURL(name, raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("llm: %s is not an absolute http(s) URL", name)
	}
	if u.User != nil {
		return fmt.Errorf("llm: %s must not contain credentials; put the key in the API key variable", name)
	}
	if httpsOnly && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("llm: %s must use https (plain http is only allowed for localhost)", name)
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ConfigFromEnv reads a Config from these environment variables (getenv is
// usually os.Getenv):
//
//	LLM_PROVIDER              "openai" (default) or "azure"
//	LLM_BASE_URL              OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1
//	LLM_API_KEY               API key (bearer token); optional for local servers
//	LLM_MODEL                 model name
//	AZURE_OPENAI_ENDPOINT     Azure OpenAI endpoint, e.g. https://res.openai.azure.com
//	AZURE_OPENAI_DEPLOYMENT   Azure OpenAI deployment name
//	AZURE_OPENAI_API_VERSION  Azure OpenAI api-version, e.g. 2024-10-21
//	AZURE_OPENAI_API_KEY      Azure OpenAI api-key (LLM_API_KEY is used if unset)
//	LLM_MAX_INPUT_TOKENS      estimated prompt tokens per request (default 12000)
//	LLM_CONCURRENCY           concurrent requests per review (default 2)
//	LLM_TIMEOUT               time limit per request attempt, e.g. 90s (default 60s)
//	LLM_MAX_FINDINGS          findings kept from one answer, most severe first (default 20)
//
// The provider is Azure when LLM_PROVIDER is "azure", or when it is unset and
// AZURE_OPENAI_ENDPOINT is set. The bool reports whether an LLM is configured
// at all: without LLM_MODEL and LLM_BASE_URL (OpenAI) or
// AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT (Azure) it is false and
// the error nil. A configured but invalid Config returns the
// [Config.Validate] error.
func ConfigFromEnv(getenv func(string) string) (Config, bool, error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		Provider:   strings.ToLower(env("LLM_PROVIDER")),
		BaseURL:    env("LLM_BASE_URL"),
		APIKey:     env("LLM_API_KEY"),
		Model:      env("LLM_MODEL"),
		Endpoint:   env("AZURE_OPENAI_ENDPOINT"),
		Deployment: env("AZURE_OPENAI_DEPLOYMENT"),
		APIVersion: env("AZURE_OPENAI_API_VERSION"),
	}
	if c.Provider == "" && c.Endpoint != "" {
		c.Provider = ProviderAzure
	}
	if c.Provider == ProviderAzure {
		c.APIKey = cmp.Or(env("AZURE_OPENAI_API_KEY"), c.APIKey)
		if c.Endpoint == "" && c.Deployment == "" {
			return Config{}, false, nil
		}
	} else if c.Model == "" && c.BaseURL == "" && c.Provider == "" {
		return Config{}, false, nil
	}

	var errs []error
	intVar := func(name string, dst *int) {
		if v := env(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("llm: %s=%q is not an integer", name, v))
				return
			}
			*dst = n
		}
	}
	intVar("LLM_MAX_INPUT_TOKENS", &c.MaxInputTokens)
	intVar("LLM_CONCURRENCY", &c.MaxConcurrency)
	intVar("LLM_MAX_FINDINGS", &c.MaxFindingsPerRequest)
	if v := env("LLM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("llm: LLM_TIMEOUT=%q is not a duration like 90s", v))
		} else {
			c.Timeout = d
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, true, err
	}
	if err := c.Validate(); err != nil {
		return c, true, err
	}
	return c, true, nil
}
