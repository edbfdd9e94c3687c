package app_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/telemetry"
	"github.com/azreviewer/azreviewer/internal/worker"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestWebhookBecomesAnchoredThreads runs the whole path: a service-hook
// delivery over HTTP to the ingest handler, JetStream (an embedded
// nats-server), the worker reading the pull request through the real Azure
// DevOps SDK from the simulator, and the threads it posts there.
func TestWebhookBecomesAnchoredThreads(t *testing.T) {
	// Not parallel: the spans recorded from here on are this run's. Under
	// -count the exporter holds earlier runs' spans, and the tests that
	// start a process (telemetry.Setup) have installed tracer providers of
	// their own since: this test installs the recording one again.
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	spans.Reset()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(readTree(t, "testdata/e2e/base"), readTree(t, "testdata/e2e/head"))
	logs := &syncBuffer{}
	hook := &app.Ingest{BasicUser: "azure-devops", BasicPassword: "hook-password-6f1c2e", Token: "hook-token-93d0aa"}
	fleet := apptest.Start(t, apptest.Options{
		OrgURL: sim.Org.URL(), PAT: sim.PAT, Hook: hook,
		// As Common.Logger builds it: lines inside a span name their trace.
		Log: slog.New(telemetry.LogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	})

	// Azure DevOps retries a delivery it did not see answered: the second
	// one is a JetStream duplicate and causes no second review.
	event := pr.Event(servicehooks.EventPullRequestCreated)
	first := deliver(t, fleet.WebhookURL, hook, event)
	require.Equal(t, http.StatusAccepted, first.status)
	require.False(t, first.body.Duplicate)
	again := deliver(t, fleet.WebhookURL, hook, event)
	require.Equal(t, http.StatusAccepted, again.status)
	require.True(t, again.body.Duplicate)
	require.Equal(t, first.body.Sequence, again.body.Sequence)

	threads := waitForSummary(t, pr)
	golden(t, "testdata/e2e/threads.golden", describeThreads(threads))
	// The consumer span ends once the message is acknowledged, just after
	// the summary is posted.
	require.Eventually(t, func() bool {
		for _, s := range spans.GetSpans() {
			if strings.HasPrefix(s.Name, "process ") {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the delivery is settled")

	t.Run("one trace from webhook to every Azure DevOps call", func(t *testing.T) {
		// The trace of the review (the duplicate delivery causes none).
		var webhook trace.TraceID
		for _, s := range spans.GetSpans() {
			if s.Name == "review pull request" {
				webhook = s.SpanContext.TraceID()
			}
		}
		require.True(t, webhook.IsValid(), "the review is traced")
		kinds := map[string]int{}
		for _, s := range spans.GetSpans() {
			if s.SpanContext.TraceID() != webhook {
				continue
			}
			switch {
			case s.Name == "POST "+ingest.WebhookPath && s.SpanKind == trace.SpanKindServer:
				kinds["webhook"]++
			case strings.HasPrefix(s.Name, "send "):
				kinds["send"]++
			case strings.HasPrefix(s.Name, "process "):
				kinds["process"]++
			case s.Name == "review pull request":
				kinds["review"]++
			case s.SpanKind == trace.SpanKindClient && strings.Contains(s.Name, "_apis/git/"):
				kinds["azure devops"]++
			}
		}
		require.Equal(t, 1, kinds["webhook"], "ingest's server span starts the review's trace")
		require.Equal(t, 1, kinds["send"])
		require.Equal(t, 1, kinds["process"])
		require.Equal(t, 1, kinds["review"])
		require.GreaterOrEqual(t, kinds["azure devops"], 10, "reads and writes are traced in the webhook's trace")

		// The log lines of the webhook's acceptance and of its review lead
		// to that trace.
		traced := map[string]bool{}
		dec := json.NewDecoder(strings.NewReader(logs.String()))
		for dec.More() {
			var line map[string]any
			require.NoError(t, dec.Decode(&line))
			if line["trace_id"] == webhook.String() {
				traced[fmt.Sprint(line["msg"])] = true
			}
		}
		require.True(t, traced["webhook accepted"], "ingest's line carries the trace id: %v", traced)
		require.True(t, traced[worker.LogReviewPosted], "the worker's line carries the trace id: %v", traced)
	})

	t.Run("Azure DevOps calls are counted by route and status", func(t *testing.T) {
		families, err := fleet.Registry.Gather()
		require.NoError(t, err)
		posts := 0.0
		for _, f := range families {
			if f.GetName() != "azreviewer_azdo_requests_total" {
				continue
			}
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				require.NotContains(t, labels["route"], sim.Repo.ID(), "ids are replaced by {id}")
				if labels["method"] == http.MethodPost && strings.HasSuffix(labels["route"], "/threads") && labels["code"] == "200" {
					posts += m.GetCounter().GetValue()
				}
			}
		}
		require.GreaterOrEqual(t, posts, float64(len(threads)), "each thread posted is a counted POST")
	})

	t.Run("no secret in logs or spans", func(t *testing.T) {
		secrets := []string{sim.PAT, hook.BasicPassword, hook.Token}
		for _, s := range spans.GetSpans() {
			for _, kv := range s.Attributes {
				for _, secret := range secrets {
					require.NotContains(t, kv.Value.String(), secret, "span %q attribute %s", s.Name, kv.Key)
				}
			}
			for _, ev := range s.Events {
				for _, kv := range ev.Attributes {
					for _, secret := range secrets {
						require.NotContains(t, kv.Value.String(), secret, "span %q event %s", s.Name, ev.Name)
					}
				}
			}
		}
		for _, secret := range secrets {
			require.NotContains(t, logs.String(), secret)
		}
	})
}

// waitForSummary polls the simulator until the summary thread is posted.
func waitForSummary(t *testing.T, pr *azdosim.PullRequest) []git.GitPullRequestCommentThread {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		threads := pr.Threads()
		for _, th := range threads {
			if strings.Contains(describeThread(th), "azreviewer.summary") {
				return threads
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no summary thread within 20s")
	return nil
}

type delivery struct {
	status int
	body   struct {
		Status    string `json:"status"`
		Duplicate bool   `json:"duplicate"`
		Sequence  uint64 `json:"stream_seq"`
		Error     string `json:"error"`
	}
}

// deliver posts a service-hook body the way Azure DevOps does.
func deliver(t *testing.T, url string, hook *app.Ingest, body []byte) delivery {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"?token="+hook.Token, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.SetBasicAuth(hook.BasicUser, hook.BasicPassword)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var d delivery
	d.status = resp.StatusCode
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&d.body))
	return d
}

// describeThreads renders threads one per line, in the order posted, with
// everything a reader of the pull request depends on: the file, the exact
// anchor, the iteration context, status, properties and text.
func describeThreads(threads []git.GitPullRequestCommentThread) string {
	var b strings.Builder
	for _, th := range threads {
		b.WriteString(describeThread(th))
		b.WriteString("\n")
	}
	return b.String()
}

func describeThread(th git.GitPullRequestCommentThread) string {
	var b strings.Builder
	if c := th.ThreadContext; c != nil && c.FilePath != nil {
		fmt.Fprintf(&b, "%s %s-%s", *c.FilePath, pos(c.RightFileStart), pos(c.RightFileEnd))
	} else {
		b.WriteString("(pull request)")
	}
	if c := th.PullRequestThreadContext; c != nil {
		if c.ChangeTrackingId != nil {
			fmt.Fprintf(&b, " change=%d", *c.ChangeTrackingId)
		}
		if it := c.IterationContext; it != nil && it.FirstComparingIteration != nil && it.SecondComparingIteration != nil {
			fmt.Fprintf(&b, " iterations=%d..%d", *it.FirstComparingIteration, *it.SecondComparingIteration)
		}
	}
	if th.Status != nil {
		fmt.Fprintf(&b, " status=%s", *th.Status)
	}
	if props, ok := th.Properties.(map[string]any); ok {
		for _, k := range []string{"azreviewer.rule", "azreviewer.summary"} {
			if v, ok := props[k].(map[string]any); ok {
				fmt.Fprintf(&b, " %s=%v", k, v["$value"])
			}
		}
		if _, ok := props["azreviewer.fingerprint"]; ok {
			b.WriteString(" fingerprint=yes")
		}
	}
	if th.Comments != nil {
		for _, c := range *th.Comments {
			fmt.Fprintf(&b, " | %q", *c.Content)
		}
	}
	return b.String()
}

func pos(p *git.CommentPosition) string {
	if p == nil || p.Line == nil || p.Offset == nil {
		return "?"
	}
	return fmt.Sprintf("%d:%d", *p.Line, *p.Offset)
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update once to create %s", path)
	require.Equal(t, string(want), got)
}

// readTree reads a directory as path → content with "/"-rooted paths.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files["/"+filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return files
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
