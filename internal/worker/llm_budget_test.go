package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// budgetModel is a model server that counts every request: a review
// request (one with a response format) showing a line with "BMARKER" is
// answered with an error on line 1 of /b.js, others with no finding; a
// command's with a sentence.
type budgetModel struct {
	srv      *httptest.Server
	requests atomic.Int32
}

func newBudgetModel(t *testing.T) *budgetModel {
	t.Helper()
	m := &budgetModel{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		var req struct {
			ResponseFormat json.RawMessage `json:"response_format"`
		}
		_ = json.Unmarshal(body, &req)
		content := "The change looks fine."
		if len(req.ResponseFormat) > 0 {
			findings := []map[string]any{}
			if strings.Contains(string(body), "BMARKER") {
				findings = append(findings, map[string]any{"path": "/b.js", "start_line": 1, "end_line": 1, "severity": "error",
					"category": "bug", "message": "This is wrong.", "replacement": ""})
			}
			data, _ := json.Marshal(map[string]any{"findings": findings})
			content = string(data)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}},
			"usage": map[string]any{"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
		})
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// budgetFleet is a simulator, one embedded JetStream server with the
// fleet's buckets, a counting model, and workers of the fleet: each its
// own NATS connection, Azure DevOps client and LLM reviewer, sharing the
// memory bucket and so the organisation's budget.
type budgetFleet struct {
	sim   *azdotest.Sim
	nats  *eventstest.Bundle
	model *budgetModel
	// budget and window are every worker's LLM_BUDGET and window.
	budget int
	window time.Duration
}

func setupBudgetFleet(t *testing.T, budget int) *budgetFleet {
	t.Helper()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	_, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	_, err = coordination.EnsureMemory(ctx, b.JS, streams.Config{Memory: true})
	require.NoError(t, err)
	return &budgetFleet{sim: azdotest.New(t), nats: b, model: newBudgetModel(t), budget: budget, window: time.Hour}
}

// connect is a new NATS connection to the fleet's server.
func (f *budgetFleet) connect(t *testing.T) (*coordination.Store, *coordination.Memory) {
	t.Helper()
	nc, err := f.nats.Server.Connect()
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx := context.Background()
	coord, err := coordination.Open(ctx, js, streams.Config{Memory: true}, coordination.Config{Owner: fmt.Sprintf("w-%p", nc)})
	require.NoError(t, err)
	mem, err := coordination.OpenMemory(ctx, js, streams.Config{Memory: true})
	require.NoError(t, err)
	return coord, mem
}

// worker is a new worker of the fleet; its reviews send one request per
// file of up to some 50 lines.
func (f *budgetFleet) worker(t *testing.T, tune ...func(*worker.Config)) *worker.Worker {
	t.Helper()
	coord, mem := f.connect(t)
	client, err := azdo.New(azdo.Config{OrgURL: f.sim.Org.URL(), PAT: f.sim.PAT})
	require.NoError(t, err)
	llm, err := llmreview.New(llmreview.Config{BaseURL: f.model.srv.URL, Model: "test-model", APIKey: "sk-test-budget",
		MaxInputTokens: llmreview.MinMaxInputTokens})
	require.NoError(t, err)
	cfg := worker.Config{
		OrgURL: f.sim.Org.URL(), Coordinator: coord, Memory: mem, LeaseRefresh: 100 * time.Millisecond,
		Reviewers: []reviewer.Reviewer{reviewer.Rules(), secrets.MustNew(), llm},
		LLMBudget: f.budget, LLMBudgetWindow: f.window, ReviewTimeout: 30 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	}
	for _, tf := range tune {
		tf(&cfg)
	}
	w, err := worker.New(cfg, client, nil)
	require.NoError(t, err)
	return w
}

func (f *budgetFleet) request(pr *azdosim.PullRequest, trigger events.Trigger) *events.ReviewRequest {
	return prRequest(f.sim, pr, trigger)
}

func (f *budgetFleet) comment(pr *azdosim.PullRequest, thread int, content string) *events.ReviewRequest {
	return prComment(f.sim, pr, thread, content)
}

// statusesByRule is the status of each finding thread of pr by its rule.
func statusesByRule(pr *azdosim.PullRequest) map[string]string {
	out := map[string]string{}
	for _, th := range pr.Threads() {
		if rule := azdo.ThreadProperty(th, worker.PropRule); rule != "" && th.Status != nil {
			out[rule] = string(*th.Status)
		}
	}
	return out
}

// TestLLMBudgetAcrossWorkers: two workers share the organisation's budget
// of 3 model requests per hour. The first worker's review of one pull
// request sends 2 (one per file), the second worker's of another sends 1,
// and then the budget is spent: the second worker's review of a push to
// the first pull request calls the model no more. It still posts the
// rules' findings and resolves the rules' thread the push fixed, leaves
// the model's thread open — not taken for fixed — and its summary says
// the budget is spent and when it renews. An hour later (the workers'
// clock) the budget renews and the model is called again, finding its
// thread still there.
func TestLLMBudgetAcrossWorkers(t *testing.T) {
	t.Parallel()
	f := setupBudgetFleet(t, 3)
	w1, w2 := f.worker(t), f.worker(t)
	ctx := context.Background()
	b1 := "// BMARKER\n" + jsLines("b", 45)
	pr1 := f.sim.NewPullRequest(map[string]string{"/c.txt": "x\n"},
		map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 50), "/b.js": b1 + "debugger;\n"})
	pr2 := f.sim.NewPullRequest(map[string]string{"/c.txt": "x\n"}, map[string]string{"/c.txt": "x\n", "/d.js": jsLines("d", 50)})

	rep, err := w1.Review(ctx, f.request(pr1, events.TriggerCreated))
	require.NoError(t, err)
	require.EqualValues(t, 2, f.model.requests.Load(), "one request per file")
	require.Equal(t, map[string]string{"llm/bug": "active", "debug/debugger": "active"}, statusesByRule(pr1))
	require.Equal(t, "failed", rep.Status)

	_, err = w2.Review(ctx, f.request(pr2, events.TriggerCreated))
	require.NoError(t, err)
	require.EqualValues(t, 3, f.model.requests.Load(), "the second worker's review drew the last request")

	// The push removes the debugger statement and adds a console.log to
	// /a.js: the budget is spent, the rules still review.
	pr1.Push(f.sim.Repo.Commit(map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 50) + "console.log(1);\n", "/b.js": b1 + "const more = 1;\n"}))
	rep, err = w2.Review(ctx, f.request(pr1, events.TriggerUpdated))
	require.NoError(t, err)
	require.EqualValues(t, 3, f.model.requests.Load(), "no model request past the budget")
	require.Zero(t, rep.ReviewerErrors, "the review goes on without the model")
	require.Equal(t, 1, rep.ThreadsPosted, "the rules' console.log")
	require.Equal(t, 1, rep.Resolved, "the rules' debugger only")
	require.Equal(t, map[string]string{"llm/bug": "active", "debug/debugger": "fixed", "debug/console-log": "active"}, statusesByRule(pr1))
	require.Equal(t, "failed", rep.Status, "the model's error is still open")
	summary := summaryOf(pr1)
	require.Contains(t, summary, "LLM: 0 requests")
	require.Regexp(t, `Not reviewed by the model \(the organisation's LLM budget of 3 requests per 1h0m0s is spent until \d{4}-\d\d-\d\d \d\d:\d\d UTC\): 2 changed files, "/a\\\.js", "/b\\\.js"`, summary)

	// An hour and two minutes later the first slot left the window.
	later := func() time.Time { return time.Now().Add(f.window + 2*time.Minute) }
	w1.SetClock(later)
	pr1.Push(f.sim.Repo.Commit(map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 50) + "console.log(1);\n", "/b.js": b1 + "const more = 2;\n"}))
	rep, err = w1.Review(ctx, f.request(pr1, events.TriggerUpdated))
	require.NoError(t, err)
	require.EqualValues(t, 4, f.model.requests.Load(), "the budget renewed: /b.js was sent")
	require.Equal(t, 1, rep.AlreadyPosted, "the model's finding has its thread")
	require.Zero(t, rep.Resolved)
	require.NotContains(t, summaryOf(pr1), "LLM budget")
}

// notSentRe is the summary's note on the files the model was not sent:
// why, and how many.
var notSentRe = regexp.MustCompile(`Not reviewed by the model \(([^)]*)\): (\d+) changed file`)

// TestLLMBudgetConcurrentReviews: reviews of six pull requests, each of
// two files, run at once on two workers sharing a budget of 5 requests:
// the model is sent exactly 5, every review succeeds, and the files left
// out are named in their summaries.
func TestLLMBudgetConcurrentReviews(t *testing.T) {
	t.Parallel()
	f := setupBudgetFleet(t, 5)
	ws := []*worker.Worker{f.worker(t), f.worker(t)}
	prs := make([]*azdosim.PullRequest, 6)
	for i := range prs {
		prs[i] = f.sim.NewPullRequest(map[string]string{"/c.txt": "x\n"},
			map[string]string{"/c.txt": "x\n", fmt.Sprintf("/p%d.js", i): jsLines("p", 50), fmt.Sprintf("/q%d.js", i): jsLines("q", 50)})
	}
	errs := make([]error, len(prs))
	var wg sync.WaitGroup
	for i, pr := range prs {
		wg.Go(func() { _, errs[i] = ws[i%2].Review(context.Background(), f.request(pr, events.TriggerCreated)) })
	}
	wg.Wait()
	notSent := 0
	for i, pr := range prs {
		require.NoError(t, errs[i])
		if m := notSentRe.FindStringSubmatch(summaryOf(pr)); m != nil {
			require.Contains(t, m[1], "the organisation's LLM budget of 5 requests per 1h0m0s is spent until")
			n, err := strconv.Atoi(m[2])
			require.NoError(t, err)
			notSent += n
		}
	}
	require.EqualValues(t, 5, f.model.requests.Load(), "exactly the budget")
	require.Equal(t, 12-5, notSent, "every file not sent is named")
}

// TestLLMBudgetCommands: the model commands draw from the same budget as
// reviews. With a budget of 2, a review sends 1 request and an ask 1; the
// next ask is answered that the organisation's budget is spent and when
// the next is possible, without a model call, and so is a describe on
// another worker. Once the window passed, an ask is answered by the model.
func TestLLMBudgetCommands(t *testing.T) {
	t.Parallel()
	f := setupBudgetFleet(t, 2)
	w1, w2 := f.worker(t), f.worker(t)
	ctx := context.Background()
	pr := f.sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	_, err := w1.Review(ctx, f.request(pr, events.TriggerCreated))
	require.NoError(t, err)
	require.EqualValues(t, 1, f.model.requests.Load())
	thread := threadWith(t, pr, "debug/console-log")

	steps := []struct {
		name      string
		w         *worker.Worker
		command   string
		wantReply string
		requests  int32
	}{
		{"within the budget", w1, "/azreviewer ask why?", "The change looks fine.", 2},
		{"past the budget", w2, "/azreviewer ask and now?", "This organisation's LLM budget is spent (2 model requests per 1h0m0s, reviews and commands together); the next model command is possible after ", 2},
		{"describe past the budget", w1, "/azreviewer describe", "This organisation's LLM budget is spent", 2},
	}
	for _, st := range steps {
		rep, err := st.w.Review(ctx, f.comment(pr, thread, st.command))
		require.NoError(t, err, st.name)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome, st.name)
		require.Contains(t, lastReply(t, pr, thread), st.wantReply, st.name)
		require.Equal(t, st.requests, f.model.requests.Load(), st.name)
	}
	require.Regexp(t, `possible after \d{4}-\d\d-\d\d \d\d:\d\d UTC\.`, lastReply(t, pr, thread))

	w2.SetClock(func() time.Time { return time.Now().Add(f.window + 2*time.Minute) })
	_, err = w2.Review(ctx, f.comment(pr, thread, "/azreviewer ask once more?"))
	require.NoError(t, err)
	require.Contains(t, lastReply(t, pr, thread), "The change looks fine.")
	require.EqualValues(t, 3, f.model.requests.Load(), "the budget renewed")
}

// TestLLMBudgetUnreadable: a worker whose memory connection is closed
// cannot count the budget. Its review sends the model nothing and leaves
// the model's files unjudged — its threads stay as they are — while the
// rules' findings are posted and the status is theirs, not an error; its
// ask is not answered, and not by the model: it fails, to be retried.
func TestLLMBudgetUnreadable(t *testing.T) {
	t.Parallel()
	f := setupBudgetFleet(t, 100)
	nc, err := f.nats.Server.Connect()
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	mem, err := coordination.OpenMemory(context.Background(), js, streams.Config{Memory: true})
	require.NoError(t, err)
	nc.Close()
	w := f.worker(t, func(c *worker.Config) { c.Memory = mem })
	ctx := context.Background()
	pr := f.sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n", "/b.js": jsLines("BMARKER", 10)})

	rep, err := w.Review(ctx, f.request(pr, events.TriggerCreated))
	require.NoError(t, err)
	require.Zero(t, f.model.requests.Load())
	require.Zero(t, rep.ReviewerErrors, "a budget that cannot be read fails no reviewer")
	require.Equal(t, 1, rep.ThreadsPosted, "the rules' finding")
	require.Contains(t, summaryOf(pr), "Not reviewed by the model (the organisation's LLM budget could not be read)")
	require.NotEqual(t, "error", rep.Status, "the status is the findings', not an incomplete review's")

	_, err = w.Review(ctx, f.comment(pr, threadWith(t, pr, "debug/console-log"), "/azreviewer ask why?"))
	require.Error(t, err)
	require.Zero(t, f.model.requests.Load())
}

// TestLLMBudgetObservable: a review the budget cuts says so in its trace
// (the LLM reviewer's span), in a log line and in the metrics.
func TestLLMBudgetObservable(t *testing.T) {
	t.Parallel()
	f := setupBudgetFleet(t, 1)
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	coord, mem := f.connect(t)
	client, err := azdo.New(azdo.Config{OrgURL: f.sim.Org.URL(), PAT: f.sim.PAT})
	require.NoError(t, err)
	llm, err := llmreview.New(llmreview.Config{BaseURL: f.model.srv.URL, Model: "test-model", APIKey: "sk-test-budget",
		MaxInputTokens: llmreview.MinMaxInputTokens})
	require.NoError(t, err)
	w, err := worker.New(worker.Config{OrgURL: f.sim.Org.URL(), Coordinator: coord, Memory: mem, LeaseRefresh: 100 * time.Millisecond,
		Reviewers: []reviewer.Reviewer{reviewer.Rules(), llm}, LLMBudget: 1, Logger: slog.New(slog.NewJSONHandler(&logs, nil))},
		client, worker.NewMetrics(reg))
	require.NoError(t, err)
	rec := tracetest.NewSpanRecorder()
	w.SetTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test"))
	pr := f.sim.NewPullRequest(map[string]string{"/c.txt": "x\n"},
		map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 50), "/b.js": jsLines("b", 50)})
	_, err = w.Review(context.Background(), f.request(pr, events.TriggerCreated))
	require.NoError(t, err)
	require.EqualValues(t, 1, f.model.requests.Load())

	attrs := map[string]string{}
	for _, s := range rec.Ended() {
		if s.Name() == "reviewer llm" {
			for _, kv := range s.Attributes() {
				attrs[string(kv.Key)] = kv.Value.String()
			}
		}
	}
	for k, v := range map[string]string{
		"azreviewer.llm_budget.requested": "2", "azreviewer.llm_budget.granted": "1", "azreviewer.llm_budget.used": "1",
		"azreviewer.llm_budget.limit": "1", "azreviewer.llm_budget.window_seconds": "3600", "llmreview.requests_over_budget": "1",
		"llmreview.batches": "1", "llmreview.files_not_sent": "1",
	} {
		require.Equal(t, v, attrs[k], k)
	}
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, attrs["azreviewer.llm_budget.renews"])

	var spent map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if m["msg"] == worker.LogLLMBudgetSpent {
			spent = m
		}
	}
	require.NotNil(t, spent, logs.String())
	require.Equal(t, "review", spent["use"])
	require.EqualValues(t, 2, spent["requested"])
	require.EqualValues(t, 1, spent["granted"])
	require.Equal(t, attrs["azreviewer.llm_budget.renews"], spent["renews"])

	counts := map[string]float64{}
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, fam := range families {
		if fam.GetName() != "azreviewer_llm_budget_requests_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			counts[strings.TrimSpace(key)] = m.GetCounter().GetValue()
		}
	}
	require.Equal(t, map[string]float64{
		"outcome=granted use=review": 1, "outcome=refused use=review": 1, "outcome=unchecked use=review": 0, "outcome=returned use=review": 0,
		"outcome=granted use=command": 0, "outcome=refused use=command": 0, "outcome=unchecked use=command": 0, "outcome=returned use=command": 0,
	}, counts)
}
