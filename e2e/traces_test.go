// Package e2e_test runs azreviewer against a real Jaeger: each way Azure
// DevOps drops or refuses a review's writes must be found in Jaeger with
// the search docs/traces.md documents, in one trace from the webhook to the
// Azure DevOps calls, with the diagnosis in words.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/jaegertest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

const service = "azreviewer-e2e"

var (
	base = map[string]string{"/src/app.js": "export const a = 1;\n"}
	head = map[string]string{"/src/app.js": "export const a = 1;\nconsole.log(a);\n"}
)

// mode is one way the review's Azure DevOps side behaves.
type mode struct {
	name string
	// fault breaks the simulator; it returns the PAT the worker uses.
	fault func(s *azdotest.Sim, pr *azdosim.PullRequest) string
	// deadLetter: the review ends in the dead-letter stream; otherwise the
	// summary thread is posted (perhaps after retries).
	deadLetter bool
	// tags is the Jaeger search of docs/traces.md for this mode.
	tags map[string]string
	// diagnosis must appear in the span the search finds.
	diagnosis string
}

// exportToJaeger starts a real Jaeger and exports this process's spans to
// it through the OTEL_* variables, as the processes are configured, until
// the test ends.
func exportToJaeger(t *testing.T) *jaegertest.Jaeger {
	t.Helper()
	j := jaegertest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", j.OTLPHTTPEndpoint)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_SERVICE_NAME", service)
	shutdown, exporting, err := telemetry.Setup(context.Background(), telemetry.Options{ServiceName: service})
	require.NoError(t, err)
	require.True(t, exporting)
	t.Cleanup(func() { _ = shutdown(context.Background()) })
	return j
}

func TestFailureModesInJaeger(t *testing.T) {
	j := exportToJaeger(t)

	var secrets []string
	modes := []mode{
		{
			name:      "healthy",
			fault:     func(s *azdotest.Sim, _ *azdosim.PullRequest) string { return s.PAT },
			tags:      map[string]string{"azreviewer.outcome": "reviewed"},
			diagnosis: "",
		},
		{
			name: "PAT owner without Contribute to pull requests",
			fault: func(s *azdotest.Sim, _ *azdosim.PullRequest) string {
				s.Repo.Deny(s.User, azdosim.GitPullRequestContribute)
				return s.PAT
			},
			deadLetter: true,
			tags:       map[string]string{"error.type": "forbidden"},
			diagnosis:  `Grant "Contribute to pull requests" on repository "Web App" to the PAT owner "Azure Reviewer"`,
		},
		{
			name: "sign-in page for an expired PAT",
			fault: func(s *azdotest.Sim, _ *azdosim.PullRequest) string {
				s.Server.SetSignInPage(true)
				pat := s.NewPAT(s.User)
				s.Server.ExpirePAT(pat)
				return pat
			},
			deadLetter: true,
			tags:       map[string]string{"error.type": "sign_in_page"},
			diagnosis:  "sign-in page instead of JSON: the PAT is invalid, expired or revoked",
		},
		{
			name: "writes silently dropped",
			fault: func(s *azdotest.Sim, pr *azdosim.PullRequest) string {
				pr.DropThreadWrites(true)
				return s.PAT
			},
			deadLetter: true,
			tags:       map[string]string{"azreviewer.write.outcome": "dropped"},
			diagnosis:  "not there when read back",
		},
		{
			name: "rate limited",
			fault: func(s *azdotest.Sim, _ *azdosim.PullRequest) string {
				s.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
				return s.PAT
			},
			tags:      map[string]string{"error.type": "rate_limited"},
			diagnosis: "rate-limiting",
		},
	}
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(base, head)
			pat := m.fault(sim, pr)
			secrets = append(secrets, pat)
			hook := &app.Ingest{Token: fmt.Sprintf("hook-token-%d-7c1e9a", i)}
			secrets = append(secrets, hook.Token)
			fleet := apptest.Start(t, apptest.Options{OrgURL: sim.Org.URL(), PAT: pat, Hook: hook})

			status := deliver(t, fleet.WebhookURL, hook.Token, pr.Event(servicehooks.EventPullRequestCreated))
			require.Equal(t, http.StatusAccepted, status)
			if m.deadLetter {
				require.Eventually(t, func() bool { return messages(fleet.Streams.DeadLetters) == 1 }, 20*time.Second, 20*time.Millisecond, "dead letter")
			} else {
				require.Eventually(t, func() bool { return hasSummary(pr) }, 20*time.Second, 20*time.Millisecond, "summary thread")
			}
			tr := findTrace(t, j, m.tags, sim.Repo.ID())
			requireTree(t, tr)
			if m.diagnosis != "" {
				require.True(t, anySpan(tr, func(s jaegertest.Span) bool {
					d, _ := s.Tags["azreviewer.diagnosis"].(string)
					return strings.Contains(d, m.diagnosis)
				}), "a span's azreviewer.diagnosis contains %q", m.diagnosis)
			}
		})
	}

	t.Run("ingest refuses wrong credentials and ignores other organisations", func(t *testing.T) {
		sim := azdotest.New(t)
		pr := sim.NewPullRequest(base, head)
		hook := &app.Ingest{Token: "hook-token-ingest-41d2", OrgURL: "https://dev.azure.com/another-org"}
		secrets = append(secrets, hook.Token, "wrong-token-8e1f")
		fleet := apptest.Start(t, apptest.Options{OrgURL: sim.Org.URL(), PAT: sim.PAT, Hook: hook})

		require.Equal(t, http.StatusUnauthorized, deliver(t, fleet.WebhookURL, "wrong-token-8e1f", pr.Event(servicehooks.EventPullRequestCreated)))
		require.Equal(t, http.StatusOK, deliver(t, fleet.WebhookURL, hook.Token, pr.Event(servicehooks.EventPullRequestCreated)))
		flush(t)

		refused, err := j.FindTraces(context.Background(), service, map[string]string{"azreviewer.ingest.outcome": "unauthorized"}, 1, 10*time.Second)
		require.NoError(t, err)
		span, ok := refused[len(refused)-1].SpanNamed("POST " + ingest.WebhookPath)
		require.True(t, ok)
		require.Equal(t, "token", span.Tags["azreviewer.ingest.auth_failed"])
		require.EqualValues(t, http.StatusUnauthorized, span.Tags["http.response.status_code"])

		ignored, err := j.FindTraces(context.Background(), service, map[string]string{"azreviewer.ingest.ignored": "organisation_not_configured"}, 1, 10*time.Second)
		require.NoError(t, err)
		span, ok = ignored[len(ignored)-1].SpanNamed("POST " + ingest.WebhookPath)
		require.True(t, ok)
		require.Contains(t, span.Tags["azreviewer.ingest.reason"], "not configured")
		require.Empty(t, ignored[len(ignored)-1].Children(span.SpanID), "nothing is published")
	})

	t.Run("no secret reaches Jaeger", func(t *testing.T) {
		traces, err := j.FindTraces(context.Background(), service, nil, 5, 10*time.Second)
		require.NoError(t, err)
		stored, err := json.Marshal(traces)
		require.NoError(t, err)
		for _, s := range secrets {
			require.NotContains(t, string(stored), s)
		}
	})
}

func deliver(t *testing.T, url, token string, body []byte) int {
	t.Helper()
	resp, err := http.Post(url+"?token="+token, "application/json; charset=utf-8", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

func hasSummary(pr *azdosim.PullRequest) bool {
	for _, th := range pr.Threads() {
		if props, ok := th.Properties.(map[string]any); ok && props["azreviewer.summary"] != nil {
			return true
		}
	}
	return false
}

func messages(st jetstream.Stream) uint64 {
	info, err := st.Info(context.Background())
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

func flush(t *testing.T) {
	t.Helper()
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	require.True(t, ok)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, tp.ForceFlush(ctx))
}

// findTrace searches Jaeger as an operator would and keeps the trace of
// this repository's webhook once its last delivery is settled (the
// consumer span ends after the review's writes, so it is exported last).
func findTrace(t *testing.T, j *jaegertest.Jaeger, tags map[string]string, repoID string) jaegertest.Trace {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		flush(t)
		traces, err := j.FindTraces(context.Background(), service, tags, 1, 10*time.Second)
		require.NoError(t, err)
		for _, tr := range traces {
			mine := anySpan(tr, func(s jaegertest.Span) bool { return s.Tags["azdo.repository.id"] == repoID })
			settled := anySpan(tr, func(s jaegertest.Span) bool {
				return s.Tags["azreviewer.settlement"] == "ack" || s.Tags["azreviewer.settlement"] == "dead_letter"
			})
			if mine && settled {
				return tr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trace with %v for repository %s among %d", tags, repoID, len(traces))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// requireTree checks the trace runs from ingest's server span through the
// publish and the worker's processing to the review and its Azure DevOps
// calls.
func requireTree(t *testing.T, tr jaegertest.Trace) {
	t.Helper()
	server, ok := tr.SpanNamed("POST " + ingest.WebhookPath)
	require.True(t, ok, "ingest server span")
	require.Equal(t, "server", server.Tags["span.kind"])
	require.Empty(t, server.ParentSpanID, "the webhook starts the trace")

	send := only(t, tr.Children(server.SpanID), "send ")
	require.Equal(t, "producer", send.Tags["span.kind"])
	process := only(t, tr.Children(send.SpanID), "process ")
	require.Equal(t, "consumer", process.Tags["span.kind"])
	review := only(t, tr.Children(process.SpanID), "review pull request")

	var calls int
	for _, s := range tr.Spans {
		if s.Tags["span.kind"] == "client" && strings.Contains(s.OperationName, "_apis") && descends(tr, s, review.SpanID) {
			calls++
			if !strings.HasPrefix(s.OperationName, "OPTIONS") { // discovery has no api-version
				require.NotEmpty(t, s.Tags["azdo.api_version"], "client span %s records the api-version", s.OperationName)
			}
		}
	}
	require.Positive(t, calls, "Azure DevOps calls are client spans under the review")
}

func only(t *testing.T, spans []jaegertest.Span, prefix string) jaegertest.Span {
	t.Helper()
	for _, s := range spans {
		if strings.HasPrefix(s.OperationName, prefix) {
			return s
		}
	}
	t.Fatalf("no child span named %q*", prefix)
	return jaegertest.Span{}
}

func descends(tr jaegertest.Trace, s jaegertest.Span, ancestor string) bool {
	byID := map[string]jaegertest.Span{}
	for _, sp := range tr.Spans {
		byID[sp.SpanID] = sp
	}
	for p := s.ParentSpanID; p != ""; p = byID[p].ParentSpanID {
		if p == ancestor {
			return true
		}
	}
	return false
}

func anySpan(tr jaegertest.Trace, f func(jaegertest.Span) bool) bool {
	for _, s := range tr.Spans {
		if f(s) {
			return true
		}
	}
	return false
}
