// Package threadcost measures what a one-file incremental review costs as a
// pull request's history grows: the Azure DevOps calls, the bytes read from
// them and the CPU time, at a number of existing threads, with the thread
// index of the review state (index) and without it (list: the state made
// to look as an earlier release wrote it, so the review reads the thread
// list twice, as every review did before the index), and with the index
// but the thread list last read longer ago than the worker's
// ThreadListPeriod (period: the review that reads the list once a period).
// It also reports the calls of the first, full review, and the calls of an
// incremental review by a worker that has not read the target commit's
// .azreviewer.yaml before (cold: a new process) against the cost bound,
// 8 + 2 × the new findings posted; that first review reads the thread
// list, the pull request being older than the state bucket's epoch (its
// threads are from before the state). MeasureNew reports the first review
// of a new pull request, created after the epoch, which reads none. It
// prints; it asserts nothing.
//
// Everything runs in this process on loopback: the Azure DevOps simulator
// (the real SDK speaks HTTP to it), an embedded JetStream server for the
// review state, and the worker. CPU time is the process's, so it includes
// the simulator's work serving the calls, which grows with what is read.
package threadcost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// Config is one measurement.
type Config struct {
	// Threads are the numbers of existing threads to measure at. Default
	// 0, 1,000 and 3,000.
	Threads []int
	// Repeat is how many incremental reviews are measured per row (each
	// after its own one-file push); a row shows their mean. Default 5.
	Repeat int
	// Modes are the modes measured at each number of threads, in order.
	// Default ModeIndex, ModePeriod, ModeList.
	Modes []string
	// Progress, if set, receives a line per step.
	Progress io.Writer
	// Profile, if set, is called before the timed reviews of each row
	// (and the pushes between them), and the function it returns after
	// them, e.g. to profile them.
	Profile func(threads int, mode string) (stop func())
}

// Modes of a row.
const (
	ModeIndex  = "index"
	ModePeriod = "period"
	ModeList   = "list"
)

// Row is the mean cost of one incremental review at Threads existing
// threads, in Mode; FullCalls are the calls of the first review of that
// pull request (which reads the list, there being no state).
type Row struct {
	Threads int
	Mode    string
	// Calls are all Azure DevOps calls; ThreadCalls those on threads
	// (lists, reads by id, writes).
	Calls, ThreadCalls float64
	// NewFindings is the findings each review posted.
	NewFindings float64
	BytesRead   float64
	// StateBytes is the size of the pull request's review state in KV
	// after the row's reviews (its key and its thread index's), which
	// each review reads and saves.
	StateBytes int
	CPU, Wall  time.Duration
	FullCalls  int
	// ColdCalls and ColdFindings are the calls and new findings of one
	// more incremental review, by a new worker (which reads the target
	// commit's .azreviewer.yaml the others found in its cache).
	ColdCalls, ColdFindings int
}

// Bound is the cost bound on the calls of an incremental review that
// posts findings new findings: 8 + 2 × findings.
func Bound(findings float64) float64 { return 8 + 2*findings }

// Measure runs the reviews cfg describes and returns a row per number of
// threads and mode, index first.
func Measure(ctx context.Context, cfg Config) ([]Row, error) {
	if len(cfg.Threads) == 0 {
		cfg.Threads = []int{0, 1000, 3000}
	}
	if cfg.Repeat <= 0 {
		cfg.Repeat = 5
	}
	if len(cfg.Modes) == 0 {
		cfg.Modes = []string{ModeIndex, ModePeriod, ModeList}
	}
	for _, m := range cfg.Modes {
		if m != ModeIndex && m != ModePeriod && m != ModeList {
			return nil, fmt.Errorf("mode %q: want %s, %s or %s", m, ModeIndex, ModePeriod, ModeList)
		}
	}
	var rows []Row
	for _, n := range cfg.Threads {
		got, err := measureAt(ctx, cfg, n)
		if err != nil {
			return rows, fmt.Errorf("%d threads: %w", n, err)
		}
		rows = append(rows, got...)
	}
	return rows, nil
}

// NewReview is the calls of the first review of a new pull request — no
// thread on it, no state, created after the state bucket's epoch, without
// findings — by a worker that has not read the target commit's
// .azreviewer.yaml (Cold) and by one that has (Warm), against the cost
// bound of 8.
type NewReview struct {
	Cold, Warm int
}

// MeasureNew runs the first reviews of two new pull requests, with a new
// worker: Cold, then Warm (the same worker, the same target commit).
func MeasureNew(ctx context.Context) (NewReview, error) {
	r, err := workertest.StartRig(ctx)
	if err != nil {
		return NewReview{}, err
	}
	defer r.Close()
	srv, org, project, repo, store := r.Sim.Server, r.Sim.Org, r.Sim.Project, r.Sim.Repo, r.Store
	// A fleet that has reviewed before has its epoch; the pull requests
	// are created after it.
	if _, err := store.StateEpoch(ctx); err != nil {
		return NewReview{}, err
	}
	base := repo.Commit(map[string]string{"/src/app.js": "export const a = 1;\n"})
	client, err := azdo.New(azdo.Config{OrgURL: org.URL(), PAT: r.Sim.PAT, RequestsPerSecond: -1, MaxConcurrent: -1})
	if err != nil {
		return NewReview{}, err
	}
	// The simulator's creationDate and the NATS server's epoch are both
	// this machine's clock: no skew to allow for.
	w, err := worker.New(worker.Config{OrgURL: org.URL(), Coordinator: store, StateClockSkew: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	if err != nil {
		return NewReview{}, err
	}
	review := func(i int) (int, error) {
		head := repo.Commit(map[string]string{"/src/app.js": fmt.Sprintf("export const a = %d;\n", i+2)})
		pr := repo.CreatePullRequest(azdosim.PullRequestSpec{Title: "Change a", SourceBranch: fmt.Sprintf("change%d", i), TargetBranch: "main",
			Base: base, Head: head, CreatedBy: azdotest.Author()})
		if i == 0 {
			// Endpoint discovery is once per process, not per review.
			if _, err := client.PullRequest(ctx, azdo.PullRequestRef{Project: project.ID(), RepositoryID: repo.ID(), ID: pr.ID()}); err != nil {
				return 0, err
			}
		}
		before := len(srv.Requests())
		rep, err := w.Review(ctx, &events.ReviewRequest{Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "e",
			ProjectID: project.ID(), RepositoryID: repo.ID(), PullRequestID: pr.ID(), SourceCommit: pr.Head()})
		if err != nil {
			return 0, err
		}
		if rep.ThreadsPosted != 0 {
			return 0, fmt.Errorf("the review of a new pull request posted %d threads, not 0", rep.ThreadsPosted)
		}
		return len(srv.Requests()) - before, nil
	}
	var out NewReview
	if out.Cold, err = review(0); err != nil {
		return out, err
	}
	out.Warm, err = review(1)
	return out, err
}

// PrintNew writes n as a line.
func PrintNew(w io.Writer, n NewReview) error {
	_, err := fmt.Fprintf(w, "first review of a new pull request (no state, created after the state bucket's epoch, 0 findings): %d calls cold (bound 8: %s), %d warm\n",
		n.Cold, within(float64(n.Cold), 8), n.Warm)
	return err
}

// counting counts the bytes of response bodies.
type counting struct {
	base  http.RoundTripper
	bytes atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.bytes}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// rig is one pull request with n threads and a worker.
type rig struct {
	srv    *azdosim.Server
	repo   *azdosim.Repository
	pr     *azdosim.PullRequest
	store  *coordination.Store
	worker *worker.Worker
	bytes  *counting
	req    func() *events.ReviewRequest
	head   map[string]string
}

func measureAt(ctx context.Context, cfg Config, n int) ([]Row, error) {
	tr, err := workertest.StartRig(ctx)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	sim, store := tr.Sim, tr.Store
	srv, org, project, repo := sim.Server, sim.Org, sim.Project, sim.Repo
	base := map[string]string{"/src/app.js": "export const a = 1;\n"}
	head := map[string]string{"/src/app.js": "export const a = 1;\nconsole.log(a);\n"}
	pr := repo.CreatePullRequest(azdosim.PullRequestSpec{Title: "Add feature", SourceBranch: "feature", TargetBranch: "main",
		Base: repo.Commit(base), Head: repo.Commit(head), CreatedBy: azdotest.Author()})
	seed(pr, n)

	bytes := &counting{base: http.DefaultTransport}
	client, err := azdo.New(azdo.Config{OrgURL: org.URL(), PAT: sim.PAT, Transport: bytes, RequestsPerSecond: -1, MaxConcurrent: -1})
	if err != nil {
		return nil, err
	}
	w, err := worker.New(worker.Config{OrgURL: org.URL(), Coordinator: store, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	if err != nil {
		return nil, err
	}
	r := &rig{srv: srv, repo: repo, pr: pr, store: store, worker: w, bytes: bytes, head: head}
	r.req = func() *events.ReviewRequest {
		return &events.ReviewRequest{Version: events.SchemaVersion, Trigger: events.TriggerUpdated, EventID: "e",
			ProjectID: project.ID(), RepositoryID: repo.ID(), PullRequestID: pr.ID(), SourceCommit: pr.Head()}
	}
	progress(cfg, "%d threads: first review", n)
	full, _, err := r.review(ctx)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, mode := range cfg.Modes {
		row := Row{Threads: n, Mode: mode, FullCalls: full.calls}
		if err := r.timed(ctx, cfg, &row); err != nil {
			return nil, err
		}
		progress(cfg, "%d threads, %s: a new worker's review", n, mode)
		r.push(mode, cfg.Repeat)
		if mode == ModeList {
			if err := r.forgetIndex(ctx); err != nil {
				return nil, err
			}
		}
		warm := r.worker
		if r.worker, err = worker.New(worker.Config{OrgURL: org.URL(), Coordinator: store, Logger: slog.New(slog.DiscardHandler)}, client, nil); err != nil {
			return nil, err
		}
		c, rep, err := r.review(ctx)
		r.worker = warm
		if err != nil {
			return nil, err
		}
		row.ColdCalls, row.ColdFindings = c.calls, rep.ThreadsPosted
		if row.StateBytes, err = r.stateBytes(ctx); err != nil {
			return nil, err
		}
		k := float64(cfg.Repeat)
		row.Calls, row.ThreadCalls, row.NewFindings, row.BytesRead = row.Calls/k, row.ThreadCalls/k, row.NewFindings/k, row.BytesRead/k
		row.CPU, row.Wall = row.CPU/time.Duration(cfg.Repeat), row.Wall/time.Duration(cfg.Repeat)
		rows = append(rows, row)
	}
	return rows, nil
}

// timed runs the timed reviews of row, each after its own push, and adds
// their costs to row.
func (r *rig) timed(ctx context.Context, cfg Config, row *Row) error {
	n, mode := row.Threads, row.Mode
	// The garbage of what came before (the seeded threads' building, the
	// first review's read of the whole list, the rows before) is
	// collected now, not during the reviews timed: the CPU time of a row
	// is the reviews', their own collections included.
	runtime.GC()
	if cfg.Profile != nil {
		defer cfg.Profile(n, mode)()
	}
	for i := range cfg.Repeat {
		progress(cfg, "%d threads, %s: review %d", n, mode, i+1)
		r.push(mode, i)
		switch mode {
		case ModeList:
			if err := r.forgetIndex(ctx); err != nil {
				return err
			}
		case ModePeriod:
			if err := r.listLongAgo(ctx); err != nil {
				return err
			}
		}
		c, rep, err := r.review(ctx)
		if err != nil {
			return err
		}
		if rep.Since == 0 {
			return fmt.Errorf("review %d was not incremental", i+1)
		}
		row.Calls += float64(c.calls)
		row.ThreadCalls += float64(c.threadCalls)
		row.NewFindings += float64(rep.ThreadsPosted)
		row.BytesRead += float64(c.bytes)
		row.CPU += c.cpu
		row.Wall += c.wall
	}
	return nil
}

// seed adds n threads as a long-lived pull request has them: two in three
// azreviewer's finding threads of earlier iterations, fixed or won't fix
// (an open one on a file the pull request no longer changes would be
// resolved by the first review), one in three a person's with a reply.
func seed(pr *azdosim.PullRequest, n int) {
	text := git.CommentTypeValues.Text
	for i := range n {
		status := git.CommentThreadStatusValues.WontFix
		if i%3 == 2 {
			status := git.CommentThreadStatusValues.Active
			content, reply := fmt.Sprintf("Could this be simpler? (%d)", i), "Done."
			pr.AddThread(azdotest.Author(), git.GitPullRequestCommentThread{Status: &status, Comments: &[]git.Comment{
				{Content: &content, CommentType: &text}, {Content: &reply, CommentType: &text, ParentCommentId: ptr(1)}}})
			continue
		}
		if i%2 == 1 {
			status = git.CommentThreadStatusValues.Fixed
		}
		path := fmt.Sprintf("/src/old/module%d.js", i)
		content := "**warning** `debug/console-log`: console.log left in the code.\n\nRemove it, or use the project's logger, " +
			"so that debugging output does not reach production. " + strings.Repeat("·", 120)
		pr.AddThread(azdotest.User(), git.GitPullRequestCommentThread{
			Status:   &status,
			Comments: &[]git.Comment{{Content: &content, CommentType: &text}},
			ThreadContext: &git.CommentThreadContext{FilePath: &path,
				RightFileStart: &git.CommentPosition{Line: ptr(2), Offset: ptr(1)}, RightFileEnd: &git.CommentPosition{Line: ptr(2), Offset: ptr(16)}},
			Properties: map[string]any{worker.PropFingerprint: fmt.Sprintf("%032x", i), worker.PropRule: "debug/console-log", worker.PropSeverity: "warning"},
		})
	}
}

func ptr[T any](v T) *T { return &v }

// push changes one file: a new file with a console.log line, so each
// review reads one file and posts one new finding (a file of its own keeps
// each review's findings at one, under the thread budget).
func (r *rig) push(mode string, i int) {
	r.head[fmt.Sprintf("/src/%s%d.js", mode, i)] = fmt.Sprintf("console.log(%q);\n", fmt.Sprintf("%s %d", mode, i))
	r.pr.Push(r.repo.Commit(r.head))
}

// forgetIndex makes the pull request's state look as an earlier release
// wrote it: what was reviewed, without the thread index.
func (r *rig) forgetIndex(ctx context.Context) error {
	key := coordination.Key(r.repo.ID(), r.pr.ID())
	st, err := r.store.LoadReview(ctx, key)
	if err != nil {
		return err
	}
	st.Indexed, st.Findings, st.Summary, st.SummaryKey = false, nil, 0, ""
	return r.store.SaveReview(ctx, key, st)
}

// stateBytes is the size of the pull request's review state: the value
// of its key and of its thread index's (the key with ".threads", see
// coordination.Store.SaveReview).
func (r *rig) stateBytes(ctx context.Context) (int, error) {
	key := coordination.Key(r.repo.ID(), r.pr.ID())
	n := 0
	for _, k := range []string{key, key + ".threads"} {
		data, _, err := r.store.LoadState(ctx, k)
		if err != nil {
			return 0, err
		}
		n += len(data)
	}
	return n, nil
}

// listLongAgo makes the pull request's state say its thread list was last
// read longer ago than any ThreadListPeriod: the next review reads it.
func (r *rig) listLongAgo(ctx context.Context) error {
	key := coordination.Key(r.repo.ID(), r.pr.ID())
	st, err := r.store.LoadReview(ctx, key)
	if err != nil {
		return err
	}
	st.ListedAt = time.Time{}
	return r.store.SaveReview(ctx, key, st)
}

type cost struct {
	calls, threadCalls int
	bytes              int64
	cpu, wall          time.Duration
}

// review runs one review and measures it.
func (r *rig) review(ctx context.Context) (cost, worker.Report, error) {
	before := len(r.srv.Requests())
	bytes := r.bytes.bytes.Load()
	cpu := cpuTime()
	start := time.Now()
	rep, err := r.worker.Review(ctx, r.req())
	c := cost{wall: time.Since(start), cpu: cpuTime() - cpu, bytes: r.bytes.bytes.Load() - bytes}
	if err != nil {
		return c, rep, err
	}
	for _, q := range r.srv.Requests()[before:] {
		c.calls++
		if strings.HasPrefix(q.Operation, "git.threads.") || strings.HasPrefix(q.Operation, "git.comments.") {
			c.threadCalls++
		}
	}
	return c, rep, nil
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func progress(cfg Config, format string, args ...any) {
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, format+"\n", args...)
	}
}

// Print writes rows as a table, with each row's CPU and bytes as a multiple
// of the index row at the fewest threads.
func Print(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "bound: 8 + 2 × new findings, per incremental review; cold: a new worker's first review into the target commit")
	fmt.Fprintln(tw, "threads\tmode\tcalls\tthread calls\tnew findings\tbound\tcold calls\tcold bound\tKiB read\tCPU ms\twall ms\tCPU ×\tKiB ×\tfull review calls\tstate KiB\t")
	i := slices.IndexFunc(rows, func(r Row) bool { return r.Mode == ModeIndex })
	var base Row
	if i >= 0 {
		base = rows[i]
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%.1f\t%.1f\t%s\t%d\t%s\t%.1f\t%.2f\t%.2f\t%s\t%s\t%d\t%.1f\t\n", r.Threads, r.Mode, r.Calls, r.ThreadCalls, r.NewFindings,
			within(r.Calls, Bound(r.NewFindings)), r.ColdCalls, within(float64(r.ColdCalls), Bound(float64(r.ColdFindings))), r.BytesRead/1024, ms(r.CPU), ms(r.Wall), ratio(float64(r.CPU), float64(base.CPU)), ratio(r.BytesRead, base.BytesRead), r.FullCalls, float64(r.StateBytes)/1024)
	}
	return tw.Flush()
}

// within is bound with "ok" when calls are within it, "OVER" otherwise.
func within(calls, bound float64) string {
	if calls <= bound {
		return fmt.Sprintf("%.0f ok", bound)
	}
	return fmt.Sprintf("%.0f OVER", bound)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", a/b)
}
