package llmreview

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
)

// defaultBaseURL is OpenAI's API, used when Config.BaseURL is empty.
const defaultBaseURL = "https://api.openai.com/v1/"

// newClient makes the SDK client for cfg (defaults applied, validated).
func newClient(cfg Config) openai.Client {
	opts := []option.RequestOption{
		option.WithHTTPClient(&http.Client{}),
		option.WithMaxRetries(cfg.MaxRetries),
		option.WithRequestTimeout(cfg.Timeout),
	}
	switch cfg.Provider {
	case ProviderAzure:
		opts = append(opts,
			azure.WithEndpoint(cfg.Endpoint, cfg.APIVersion),
			azure.WithAPIKey(cfg.APIKey),
		)
		if u, err := url.Parse(cfg.Endpoint); err == nil && u.Scheme == "http" && isLoopback(u.Hostname()) {
			// Validate allows plain http only for loopback hosts (local
			// development and tests); the SDK refuses it otherwise.
			opts = append(opts, azure.WithUnsafeAllowHTTP())
		}
	default:
		base := defaultBaseURL
		if cfg.BaseURL != "" {
			base = cfg.BaseURL
		}
		opts = append(opts, option.WithBaseURL(base), option.WithAPIKey(cfg.APIKey))
		if cfg.APIKey == "" {
			// No key (e.g. Ollama): send no Authorization header at all.
			opts = append(opts, option.WithHeaderDel("Authorization"))
		}
	}
	return openai.NewClient(opts...)
}

// redactor removes a secret from error messages.
type redactor struct{ secret string }

// redactedError is an error whose message has the secret removed. It keeps
// no reference to the original error, so the secret cannot leak through
// errors.As or %+v either.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// err returns err with every occurrence of the secret replaced, or nil.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.string(err.Error())}
}

// string returns s with every occurrence of the secret replaced.
func (r redactor) string(s string) string {
	if len(r.secret) < 4 {
		return s
	}
	return strings.ReplaceAll(s, r.secret, "[REDACTED]")
}
