package llmreview

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
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
	// DefaultMaxRequests is the default number of requests one review
	// sends: at the default input budget, some 96,000 estimated prompt
	// tokens per review.
	DefaultMaxRequests = 8
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
// select the defaults.
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
	// MaxRequests is the most requests one review sends, what bounds its
	// cost together with MaxInputTokens: the pull request is batched in
	// pull-request order, and the batches beyond the first MaxRequests are
	// not sent; [Stats.NotSent] and [Stats.PartlySent] name their files,
	// which the other reviewers still review. A review's
	// [reviewer.ReviewContext.MaxRequests] (a repository's
	// llm.max_requests) can lower it, never raise it. 0 means
	// [DefaultMaxRequests]; a negative value means no limit.
	MaxRequests int
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
	c.MaxRequests = cmp.Or(c.MaxRequests, DefaultMaxRequests)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.MaxFindingsPerRequest = cmp.Or(c.MaxFindingsPerRequest, DefaultMaxFindingsPerRequest)
	c.MaxRetries = cmp.Or(c.MaxRetries, DefaultMaxRetries)
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	c.Language = cmp.Or(strings.TrimSpace(c.Language), DefaultLanguage)
	return c
}

// Validate reports what is wrong with the configuration (after defaults):
// each mistake is a *SettingError naming the Config field. It never
// includes the API key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, &SettingError{Setting: setting, Reason: fmt.Sprintf(format, args...)})
	}
	switch c.Provider {
	case ProviderOpenAI:
		if c.Model == "" {
			bad("Model", "no model configured (e.g. gpt-4o-mini, or an Ollama model name)")
		}
		if c.BaseURL != "" {
			errs = append(errs, checkURL("BaseURL", c.BaseURL, false))
		}
	case ProviderAzure:
		if c.Endpoint == "" {
			bad("Endpoint", "Azure OpenAI needs an endpoint (e.g. https://my-resource.openai.azure.com)")
		} else {
			errs = append(errs, checkURL("Endpoint", c.Endpoint, true))
		}
		if c.Deployment == "" {
			bad("Deployment", "Azure OpenAI needs a deployment")
		}
		if c.APIVersion == "" {
			bad("APIVersion", "Azure OpenAI needs an api-version (e.g. 2024-10-21)")
		}
		if c.APIKey == "" {
			bad("APIKey", "Azure OpenAI needs an API key")
		}
	default:
		bad("Provider", "unknown provider %q: use %q or %q", c.Provider, ProviderOpenAI, ProviderAzure)
	}
	if c.MaxInputTokens < MinMaxInputTokens {
		bad("MaxInputTokens", "%d is below the minimum of %d", c.MaxInputTokens, MinMaxInputTokens)
	}
	if c.MaxConcurrency < 1 {
		bad("MaxConcurrency", "%d, must be at least 1", c.MaxConcurrency)
	}
	if c.MaxFindingsPerRequest < 1 {
		bad("MaxFindingsPerRequest", "%d, must be at least 1", c.MaxFindingsPerRequest)
	}
	if c.Timeout < 0 {
		bad("Timeout", "%s, must be positive", c.Timeout)
	}
	if c.Temperature != nil && (*c.Temperature < 0 || *c.Temperature > 2) {
		bad("Temperature", "%g is outside 0…2", *c.Temperature)
	}
	return errors.Join(errs...)
}

// SettingError is one mistake in a [Config]: Setting is the field's name
// ("MaxInputTokens"), Reason what is wrong with it. The program that reads
// the configuration knows what an operator sets for the field.
type SettingError struct {
	Setting string
	Reason  string
}

func (e *SettingError) Error() string { return "llm: " + e.Setting + ": " + e.Reason }

// checkURL checks that raw, the value of setting, is an absolute http(s)
// URL without credentials; https is required when httpsOnly, except for
// loopback hosts. The URL is not echoed, in case it holds a secret.
func checkURL(setting, raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return &SettingError{Setting: setting, Reason: "not an absolute http(s) URL"}
	}
	if u.User != nil {
		return &SettingError{Setting: setting, Reason: "must not contain credentials; put the key in the API key setting"}
	}
	if httpsOnly && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return &SettingError{Setting: setting, Reason: "must use https (plain http is only allowed for localhost)"}
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
