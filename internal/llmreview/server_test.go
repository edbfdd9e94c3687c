package llmreview_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chatRequest is the part of a Chat Completions request the tests look at.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	ResponseFormat struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name   string          `json:"name"`
			Strict bool            `json:"strict"`
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// message returns the content of the first message with role.
func (c chatRequest) message(role string) string {
	for _, m := range c.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// recorded is one request the fake server received.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                chatRequest
}

// handlerFunc answers the n-th (1-based) request.
type handlerFunc func(w http.ResponseWriter, r *http.Request, n int, body chatRequest)

// fakeLLM is a local OpenAI-compatible server: POST /chat/completions and
// the Azure OpenAI path /openai/deployments/{deployment}/chat/completions.
type fakeLLM struct {
	*httptest.Server
	handle handlerFunc

	mu       sync.Mutex
	requests []recorded

	n, inflight, maxInflight atomic.Int32
}

// newFakeLLM starts a server on 127.0.0.1 that answers with handle.
func newFakeLLM(t *testing.T, handle handlerFunc) *fakeLLM {
	t.Helper()
	f := &fakeLLM{handle: handle}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", f.serve)
	mux.HandleFunc("POST /openai/deployments/{deployment}/chat/completions", f.serve)
	f.Server = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	cur := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxInflight.Load()
		if cur <= m || f.maxInflight.CompareAndSwap(m, cur) {
			break
		}
	}
	var body chatRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()
	f.handle(w, r, int(f.n.Add(1)), body)
}

// recorded returns the requests received so far.
func (f *fakeLLM) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// completion writes a chat.completion with one choice.
func completion(w http.ResponseWriter, content, finish, refusal string) {
	msg := map[string]any{"role": "assistant", "content": content, "refusal": nil}
	if refusal != "" {
		msg["content"], msg["refusal"] = nil, refusal
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "finish_reason": finish, "message": msg}},
		"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
	})
}

// answer writes a successful completion holding findings as JSON.
func answer(w http.ResponseWriter, findings ...map[string]any) {
	if findings == nil {
		findings = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"findings": findings})
	completion(w, string(b), "stop", "")
}

// finding builds one finding of the response schema.
func finding(path string, start, end int, severity, category, message, replacement string) map[string]any {
	return map[string]any{
		"path": path, "start_line": start, "end_line": end, "severity": severity,
		"category": category, "message": message, "replacement": replacement,
	}
}

// fail writes an OpenAI-style error with status, asking for a 1 ms retry
// delay so that retries do not slow the tests.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After-Ms", "1")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"error":{"message":%q,"type":"server_error","code":null,"param":null}}`, msg)
}

// stall blocks until the client gives up (or a bound passes).
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// requireNoSecret fails when s contains secret.
func requireNoSecret(t *testing.T, s, secret, where string) {
	t.Helper()
	require.False(t, strings.Contains(s, secret), "API key leaked in %s: %s", where, s)
}
