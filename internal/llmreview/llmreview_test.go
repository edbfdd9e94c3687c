package llmreview_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

const testKey = "sk-test-SECRET-0123456789abcdef"

// samplePR has /a.go, a new file of 6 added lines, and /b.go, an edit of a
// 20-line file: line 10 changed, giving context lines 7-9 and 11-13.
func samplePR() *reviewer.PullRequest {
	var oldB, newB strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&oldB, "line %d\n", i)
		if i == 10 {
			newB.WriteString("changed line 10\n")
		} else {
			fmt.Fprintf(&newB, "line %d\n", i)
		}
	}
	return &reviewer.PullRequest{
		Title:       "Add retry to the uploader",
		Description: "The uploader now retries failed uploads.\nFixes #42.",
		Files: []reviewer.FileDiff{
			reviewer.Diff("a.go", "", reviewer.ChangeAdd, nil, []byte("package a\n\nfunc A() error {\n\tf()\n\treturn nil\n}\n"), reviewer.DiffOptions{}),
			reviewer.Diff("b.go", "", reviewer.ChangeEdit, []byte(oldB.String()), []byte(newB.String()), reviewer.DiffOptions{}),
			{Path: "/img.png", Change: reviewer.ChangeAdd, Binary: true, Skipped: reviewer.SkipBinary},
		},
	}
}

// newReviewer makes a Reviewer against srv with overrides applied.
func newReviewer(t *testing.T, srv *fakeLLM, mod func(*llmreview.Config)) *llmreview.Reviewer {
	t.Helper()
	// Timeout only stops a request nothing answers (a test that stalls
	// sets its own): on a loaded machine under -race, a batch's request
	// can take seconds.
	cfg := llmreview.Config{
		BaseURL: srv.URL, APIKey: testKey, Model: "test-model", Timeout: time.Minute,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := llmreview.New(cfg)
	require.NoError(t, err)
	return r
}

// testCtx bounds a review that never ends, far above what a review of
// many batches takes on a loaded machine under -race.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestReviewGoodAnswer(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w,
			finding("/a.go", 4, 4, "warning", "Error Handling", "The error of f is ignored.", "\tif err := f(); err != nil {\n\t\treturn err\n\t}"),
			finding("b.go", 10, 10, "error", "bug", "Line 10 is wrong.", ""),
		)
	})
	r := newReviewer(t, srv, nil)
	require.Equal(t, "llm", r.Name())

	findings, stats, err := r.ReviewWithStats(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Len(t, findings, 2)

	a := findings[0]
	require.Equal(t, "/a.go", a.Path)
	require.Equal(t, 4, a.StartLine)
	require.Equal(t, 4, a.EndLine)
	require.Equal(t, "llm/error-handling", a.Rule)
	require.Equal(t, reviewer.SeverityWarning, a.Severity)
	require.Equal(t, "The error of f is ignored.", a.Message)
	require.Equal(t, "\tif err := f(); err != nil {\n\t\treturn err\n\t}", a.Suggestion)

	b := findings[1]
	require.Equal(t, "/b.go", b.Path, "a path without a leading slash is normalised")
	require.Equal(t, "llm/bug", b.Rule)
	require.Equal(t, reviewer.SeverityError, b.Severity)
	require.Equal(t, "Line 10 is wrong.", b.Message)

	require.Equal(t, 1, stats.Batches)
	require.Equal(t, 0, stats.FailedBatches)
	require.EqualValues(t, 100, stats.PromptTokens)
	require.EqualValues(t, 20, stats.CompletionTokens)
	require.EqualValues(t, 120, stats.TotalTokens)
	require.Equal(t, 2, stats.Findings)
	require.Contains(t, stats.String(), "120 tokens (100 in, 20 out)")

	reqs := srv.recorded()
	require.Len(t, reqs, 1)
	req := reqs[0]
	require.Equal(t, "/chat/completions", req.Path)
	require.Equal(t, "Bearer "+testKey, req.Header.Get("Authorization"))
	require.Equal(t, "test-model", req.Body.Model)
	require.Equal(t, "json_schema", req.Body.ResponseFormat.Type)
	require.True(t, req.Body.ResponseFormat.JSONSchema.Strict)
	require.Contains(t, string(req.Body.ResponseFormat.JSONSchema.Schema), `"findings"`)

	system := req.Body.message("system")
	require.Contains(t, system, "Answer ONLY with a JSON object")
	require.Contains(t, system, "Never quote secrets")
	require.Contains(t, system, "NEW-side line numbers")

	user := req.Body.message("user")
	for _, want := range []string{
		"Pull request title: Add retry to the uploader",
		"The uploader now retries failed uploads.\nFixes #42.",
		"File: /a.go [add]",
		"+     1 | package a\n",
		"+     4 | \tf()\n",
		"File: /b.go [edit]",
		"      9 | line 9\n",
		"-       | line 10\n",
		"+    10 | changed line 10\n",
		"     13 | line 13\n",
	} {
		require.Contains(t, user, want)
	}
	require.NotContains(t, user, "img.png", "binary files are not sent")
	require.Less(t, strings.Index(user, "File: /a.go"), strings.Index(user, "File: /b.go"))
}

func TestReviewDescriptionTruncated(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	pr := samplePR()
	pr.Description = strings.Repeat("d", llmreview.MaxDescriptionChars+500) + "TAIL"
	_, err := newReviewer(t, srv, nil).Review(testCtx(t), pr)
	require.NoError(t, err)
	user := srv.recorded()[0].Body.message("user")
	require.Contains(t, user, "[description truncated]")
	require.NotContains(t, user, "TAIL")
}

func TestReviewNothingToReview(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	pr := &reviewer.PullRequest{Title: "binary only", Files: []reviewer.FileDiff{{Path: "/x.bin", Binary: true, Skipped: reviewer.SkipBinary}}}
	findings, stats, err := newReviewer(t, srv, nil).ReviewWithStats(testCtx(t), pr)
	require.NoError(t, err)
	require.Empty(t, findings)
	require.Zero(t, stats.Batches)
	require.Empty(t, srv.recorded())
}

func TestReviewDropsInvalidFindings(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w,
			finding("/a.go", 2, 3, "info", "style", "kept", ""),
			finding("/nope.go", 1, 1, "error", "bug", "unknown path", ""),
			finding("/a.go", 3, 2, "error", "bug", "end before start", ""),
			finding("/a.go", 0, 0, "error", "bug", "line zero", ""),
			finding("/b.go", 1, 1, "error", "bug", "line 1 of b.go is not in the hunk", ""),
			finding("/a.go", 5, 9, "error", "bug", "runs past the file's lines", ""),
			finding("/a.go", 1, 1, "critical", "bug", "bad severity", ""),
			finding("/a.go", 1, 1, "info", "bug", "   ", ""),
			map[string]any{"path": "/a.go", "start_line": "one", "message": "wrong types"},
		)
	})
	findings, stats, err := newReviewer(t, srv, nil).ReviewWithStats(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Len(t, findings, 1)
	require.Equal(t, "kept", findings[0].Message)
	require.Equal(t, map[string]int{
		llmreview.DropUnknownPath:     1,
		llmreview.DropInvalidRange:    2,
		llmreview.DropLineOutsideDiff: 2,
		llmreview.DropInvalidSeverity: 1,
		llmreview.DropEmptyMessage:    1,
		llmreview.DropMalformed:       1,
	}, stats.Dropped)
	require.Equal(t, 8, stats.DroppedTotal())
	require.Contains(t, stats.String(), "8 dropped (empty_message 1, invalid_range 2")
}

// TestRunDropsContextLines checks that a finding on a context line, which
// the model was shown, is dropped and counted by reviewer.Run.
func TestRunDropsContextLines(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w,
			finding("/b.go", 10, 10, "warning", "bug", "on the changed line", ""),
			finding("/b.go", 8, 8, "warning", "bug", "on a context line", ""),
		)
	})
	res := reviewer.Run(testCtx(t), samplePR(), newReviewer(t, srv, nil))
	require.NoError(t, res.Err())
	require.Equal(t, []string{"llm"}, res.Ran)
	require.Len(t, res.Findings, 1)
	require.Equal(t, 10, res.Findings[0].StartLine)
	require.Equal(t, 1, res.Dropped)
}

func TestReviewBatchFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle handlerFunc
		reason string
		tokens int64
	}{
		{"malformed JSON", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, `{"findings": [{"path": "/a.go",`+"\n"+`oops`, "stop", "")
		}, llmreview.FailMalformed, 120},
		{"not an object", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, `Looks good to me!`, "stop", "")
		}, llmreview.FailMalformed, 120},
		{"no findings array", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, `{"result": []}`, "stop", "")
		}, llmreview.FailMalformed, 120},
		{"truncated", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, `{"findings": [{"path": "/a.go", "start_line": 2, "end_li`, "length", "")
		}, llmreview.FailTruncated, 120},
		{"refusal", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, "", "stop", "I'm sorry, I can't help with that.")
		}, llmreview.FailRefusal, 120},
		{"content filter", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			completion(w, "", "content_filter", "")
		}, llmreview.FailRefusal, 120},
		{"500 always", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			fail(w, http.StatusInternalServerError, "boom")
		}, llmreview.FailRequest, 0},
		{"401", func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
			fail(w, http.StatusUnauthorized, "invalid api key")
		}, llmreview.FailRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, tt.handle)
			findings, stats, err := newReviewer(t, srv, nil).ReviewWithStats(testCtx(t), samplePR())
			require.Error(t, err, "a review whose every request failed is not a clean review")
			require.Contains(t, err.Error(), "all 1 requests failed")
			require.Nil(t, findings)
			require.Equal(t, 1, stats.Batches)
			require.Equal(t, 1, stats.FailedBatches)
			require.Equal(t, map[string]int{tt.reason: 1}, stats.Failures)
			require.Equal(t, tt.tokens, stats.TotalTokens)
		})
	}
}

func TestReviewRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		maxRetries int
		wantErr    bool
		wantCalls  int
	}{
		{"429 then success", http.StatusTooManyRequests, 0, false, 2},
		{"503 then success", http.StatusServiceUnavailable, 0, false, 2},
		{"429 without retries", http.StatusTooManyRequests, -1, true, 1},
		{"400 is not retried", http.StatusBadRequest, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, n int, _ chatRequest) {
				if n == 1 {
					fail(w, tt.status, "try again")
					return
				}
				answer(w, finding("/a.go", 1, 1, "info", "x", "ok", ""))
			})
			r := newReviewer(t, srv, func(c *llmreview.Config) { c.MaxRetries = tt.maxRetries })
			findings, stats, err := r.ReviewWithStats(testCtx(t), samplePR())
			require.Len(t, srv.recorded(), tt.wantCalls)
			if tt.wantErr {
				require.Error(t, err)
				require.Equal(t, 1, stats.Failures[llmreview.FailRequest])
				return
			}
			require.NoError(t, err)
			require.Len(t, findings, 1)
			require.Zero(t, stats.FailedBatches)
		})
	}
}

// twoBatchConfig makes every file its own batch: each sample file is far
// above a quarter of the minimum budget once padded.
func bigPR(files, linesPerFile int) *reviewer.PullRequest {
	pr := &reviewer.PullRequest{Title: "big", Description: "many files"}
	for i := range files {
		var sb strings.Builder
		for j := range linesPerFile {
			fmt.Fprintf(&sb, "file %d line %d: %s\n", i, j+1, strings.Repeat("x", 60))
		}
		pr.Files = append(pr.Files, reviewer.Diff(fmt.Sprintf("f%02d.go", i), "", reviewer.ChangeAdd, nil, []byte(sb.String()), reviewer.DiffOptions{}))
	}
	return pr
}

func TestReviewPartialFailure(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, body chatRequest) {
		user := body.message("user")
		if strings.Contains(user, "File: /f01.go") {
			fail(w, http.StatusInternalServerError, "boom")
			return
		}
		answer(w, finding("/f00.go", 1, 1, "info", "x", "ok", ""))
	})
	r := newReviewer(t, srv, func(c *llmreview.Config) { c.MaxInputTokens = llmreview.MinMaxInputTokens })
	findings, stats, err := r.ReviewWithStats(testCtx(t), bigPR(2, 20))
	require.NoError(t, err, "one failed batch out of two is a partial review")
	require.Equal(t, 2, stats.Batches)
	require.Equal(t, 1, stats.FailedBatches)
	require.Equal(t, map[string]int{llmreview.FailRequest: 1}, stats.Failures)
	require.Len(t, findings, 1)
	require.Equal(t, "/f00.go", findings[0].Path)
	require.Contains(t, stats.String(), "2 requests (1 failed: request 1)")
}

// TestReviewTimeout: an attempt the model never answers ends at
// Config.Timeout. The attempt's bound leaves a loaded machine time to
// deliver the request (at 150 ms it sometimes expired first).
func TestReviewTimeout(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, r *http.Request, _ int, _ chatRequest) {
		<-r.Context().Done() // never answers
	})
	r := newReviewer(t, srv, func(c *llmreview.Config) {
		c.Timeout = 3 * time.Second
	})
	ctx := testCtx(t)
	_, stats, err := r.ReviewWithStats(ctx, samplePR())
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the attempt's timeout ended the review, not the test's bound")
	require.Equal(t, map[string]int{llmreview.FailTimeout: 1}, stats.Failures)
	require.Len(t, srv.recorded(), 1, "the SDK does not retry an attempt that timed out")
}

func TestReviewContextCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(testCtx(t))
	srv := newFakeLLM(t, func(w http.ResponseWriter, r *http.Request, _ int, _ chatRequest) {
		cancel()
		stall(r)
	})
	_, _, err := newReviewer(t, srv, nil).ReviewWithStats(ctx, samplePR())
	require.ErrorIs(t, err, context.Canceled)
}

func TestReviewBatching(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, body chatRequest) {
		// One finding on line 1 of every file the batch holds.
		var fs []map[string]any
		for _, line := range strings.Split(body.message("user"), "\n") {
			if path, ok := strings.CutPrefix(line, "File: "); ok && !strings.Contains(path, "(part") {
				fs = append(fs, finding(strings.Fields(path)[0], 1, 1, "info", "x", "seen", ""))
			}
		}
		answer(w, fs...)
	})
	pr := bigPR(9, 30)
	// One file far larger than the budget: split into parts.
	pr.Files = append(pr.Files, bigPR(1, 600).Files[0])
	pr.Files[len(pr.Files)-1].Path = "/huge.go"

	r := newReviewer(t, srv, func(c *llmreview.Config) {
		c.MaxInputTokens = 3000
		c.MaxConcurrency = 2
	})
	findings, stats, err := r.ReviewWithStats(testCtx(t), pr)
	require.NoError(t, err)
	reqs := srv.recorded()
	require.Greater(t, len(reqs), 5, "the pull request is split into several requests")
	require.Equal(t, len(reqs), stats.Batches)
	require.LessOrEqual(t, srv.maxInflight.Load(), int32(2), "concurrency is bounded")

	seen := map[string]int{}
	parts := 0
	for _, req := range reqs {
		user := req.Body.message("user")
		require.Contains(t, user, "Pull request title: big", "every batch carries the pull request's text")
		require.LessOrEqual(t, (len(user)+len(req.Body.message("system")))/4, 3000, "a batch stays within the budget")
		for _, line := range strings.Split(user, "\n") {
			if path, ok := strings.CutPrefix(line, "File: "); ok {
				seen[strings.Fields(path)[0]]++
				if strings.Contains(path, "(part") {
					parts++
				}
			}
		}
	}
	for i := range 9 {
		require.Equal(t, 1, seen[fmt.Sprintf("/f%02d.go", i)], "small files are whole and sent once")
	}
	require.Greater(t, parts, 1, "the huge file is split in parts")
	require.Equal(t, parts, seen["/huge.go"])
	require.Len(t, findings, 9)
}

func TestReviewAzure(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w, finding("/a.go", 1, 1, "info", "x", "ok", ""))
	})
	r, err := llmreview.New(llmreview.Config{
		Provider:   llmreview.ProviderAzure,
		Endpoint:   srv.URL,
		Deployment: "my-gpt",
		APIVersion: "2024-10-21",
		APIKey:     testKey,
		Logger:     slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	findings, err := r.Review(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Len(t, findings, 1)

	reqs := srv.recorded()
	require.Len(t, reqs, 1)
	require.Equal(t, "/openai/deployments/my-gpt/chat/completions", reqs[0].Path)
	require.Equal(t, "api-version=2024-10-21", reqs[0].Query)
	require.Equal(t, testKey, reqs[0].Header.Get("Api-Key"))
	require.Empty(t, reqs[0].Header.Get("Authorization"))
}

func TestReviewNoAPIKey(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	_, err := newReviewer(t, srv, func(c *llmreview.Config) { c.APIKey = "" }).Review(testCtx(t), samplePR())
	require.NoError(t, err)
	require.Empty(t, srv.recorded()[0].Header.Get("Authorization"), "no key, no Authorization header (Ollama)")
}

// TestAPIKeyNeverLeaks uses a server that echoes the credentials it got in
// its error bodies and checks errors, spans and logs.
func TestAPIKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	echo := func(w http.ResponseWriter, r *http.Request, _ int, _ chatRequest) {
		fail(w, http.StatusUnauthorized, "bad credentials: "+r.Header.Get("Authorization")+r.Header.Get("Api-Key"))
	}
	for _, provider := range []string{llmreview.ProviderOpenAI, llmreview.ProviderAzure} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, echo)
			exporter := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			var logs bytes.Buffer
			cfg := llmreview.Config{
				Provider: provider, BaseURL: srv.URL, Model: "test-model",
				Endpoint: srv.URL, Deployment: "dep", APIVersion: "2024-10-21",
				APIKey: testKey, TracerProvider: tp,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			}
			r, err := llmreview.New(cfg)
			require.NoError(t, err)

			ctx, parent := tp.Tracer("test").Start(testCtx(t), "review")
			_, _, err = r.ReviewWithStats(ctx, samplePR())
			parent.End()
			require.Error(t, err)
			require.Contains(t, strings.Join(srv.recorded()[0].Header.Values("Authorization"), "")+srv.recorded()[0].Header.Get("Api-Key"), testKey, "the server did get the key")
			requireNoSecret(t, err.Error(), testKey, "error")
			requireNoSecret(t, fmt.Sprintf("%+v %#v", err, err), testKey, "formatted error")
			require.Contains(t, err.Error(), "401")
			requireNoSecret(t, logs.String(), testKey, "log")
			require.Contains(t, logs.String(), "llm review batch failed")

			spans := exporter.GetSpans()
			require.Len(t, spans, 2)
			for _, s := range spans {
				requireNoSecret(t, s.Name+s.Status.Description, testKey, "span")
				for _, a := range s.Attributes {
					requireNoSecret(t, a.Value.String(), testKey, "span attribute "+string(a.Key))
				}
				for _, e := range s.Events {
					for _, a := range e.Attributes {
						requireNoSecret(t, a.Value.String(), testKey, "span event attribute "+string(a.Key))
					}
				}
			}
		})
	}
}

func TestSpans(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) {
		answer(w, finding("/a.go", 1, 1, "info", "x", "ok", ""))
	})
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	r := newReviewer(t, srv, func(c *llmreview.Config) { c.TracerProvider = tp })

	ctx, parent := tp.Tracer("test").Start(testCtx(t), "review")
	_, err := r.Review(ctx, samplePR())
	parent.End()
	require.NoError(t, err)

	spans := exporter.GetSpans()
	require.Len(t, spans, 2)
	chat, review := spans[0], spans[1]
	require.Equal(t, "chat test-model", chat.Name)
	require.Equal(t, review.SpanContext.SpanID(), chat.Parent.SpanID())
	attrs := map[string]string{}
	for _, a := range chat.Attributes {
		attrs[string(a.Key)] = a.Value.String()
	}
	require.Equal(t, "openai", attrs["gen_ai.system"])
	require.Equal(t, "test-model", attrs["gen_ai.request.model"])
	require.Equal(t, "100", attrs["gen_ai.usage.input_tokens"])
	require.Equal(t, "20", attrs["gen_ai.usage.output_tokens"])
	reviewAttrs := map[string]string{}
	for _, a := range review.Attributes {
		reviewAttrs[string(a.Key)] = a.Value.String()
	}
	require.Equal(t, "100", reviewAttrs["llmreview.usage.input_tokens"])
	require.Equal(t, "1", reviewAttrs["llmreview.batches"])
}
