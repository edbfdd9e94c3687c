package worker_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestWontFixLearnedWithinThePeriod: a person sets a finding thread to
// won't fix while its finding is still there. Reviews by the state's
// thread index do not read that thread (nothing about it changes), so
// they cannot see the status; the first review once ThreadListPeriod has
// passed since the list was last read reads the whole list, learns it,
// and a later pull request of the repository does not get the finding.
func TestWontFixLearnedWithinThePeriod(t *testing.T) {
	t.Parallel()
	b := setupTalk(t, func(string, bool) string { return noFindings }, 0)
	client, err := azdo.New(azdo.Config{OrgURL: b.sim.Org.URL(), PAT: b.sim.PAT})
	require.NoError(t, err)
	llm, err := llmreview.New(llmreview.Config{BaseURL: b.llm.srv.URL, Model: "test-model", APIKey: "sk-test-learn-1"})
	require.NoError(t, err)
	w, err := worker.New(worker.Config{
		OrgURL: b.sim.Org.URL(), Coordinator: b.coord, Memory: b.mem, LeaseRefresh: 100 * time.Millisecond,
		Reviewers: []reviewer.Reviewer{reviewer.Rules(), secrets.MustNew(), llm}, ThreadListPeriod: 24 * time.Hour,
		ReviewTimeout: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler),
	}, client, nil)
	require.NoError(t, err)
	clock := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w.SetClock(clock.Now)

	head := map[string]string{"/src/a.js": "let a;\nconsole.log(a);\n"}
	first := b.sim.NewPullRequest(map[string]string{"/src/a.js": "let a;\n"}, head)
	_, err = w.Review(context.Background(), b.request(first, events.TriggerCreated))
	require.NoError(t, err)
	first.SetThreadStatus(threadWith(t, first, "debug/console-log"), "wontFix")

	// Each push changes another file; a.js keeps its finding.
	push := func(path string) map[string]int {
		head[path] = "let x = 1;\n"
		first.Push(b.sim.Repo.Commit(head))
		before := len(b.sim.Server.Requests())
		rep, err := w.Review(context.Background(), b.request(first, events.TriggerUpdated))
		require.NoError(t, err)
		require.Positive(t, rep.Since, "an incremental review")
		calls := map[string]int{}
		for _, q := range b.sim.Server.Requests()[before:] {
			calls[q.Operation]++
		}
		return calls
	}
	learned := func() int {
		known, err := b.mem.Suppressions(context.Background(), b.sim.Repo.ID())
		require.NoError(t, err)
		return len(known)
	}

	clock.advance(time.Hour)
	calls := push("/src/b.js")
	require.Zero(t, calls["git.threads.list"], "within the period the index does: %v", calls)
	require.Zero(t, learned(), "the won't-fix thread was not read")

	clock.advance(23 * time.Hour)
	calls = push("/src/c.js")
	require.Positive(t, calls["git.threads.list"], "the period has passed: the list is read: %v", calls)
	require.Equal(t, 1, learned(), "the won't-fix is learned")

	clock.advance(time.Hour)
	calls = push("/src/d.js")
	require.Zero(t, calls["git.threads.list"], "the next period starts at that read: %v", calls)

	// A later pull request of the repository does not get the finding.
	second := b.sim.NewPullRequest(map[string]string{"/src/e.js": "let e;\n"}, map[string]string{"/src/e.js": "let e;\nconsole.log(e);\n"})
	rep, err := w.Review(context.Background(), b.request(second, events.TriggerCreated))
	require.NoError(t, err)
	require.Zero(t, rep.ThreadsPosted)
	require.Contains(t, summaryOf(second), "1 finding suppressed by earlier won't-fix")
}
