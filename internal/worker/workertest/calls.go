// Package workertest measures what a worker's review costs in Azure DevOps
// calls, against the simulator through the real SDK, for the worker's
// tests (which assert on it) and the benchmarks (which print it) alike: one
// measurement, so that the figures a benchmark prints are those the tests
// hold to.
package workertest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// IsContentRead reports whether a simulator operation reads file
// contents: a bulk blob read or a read by path.
func IsContentRead(op string) bool { return op == "git.blobs.zip" || op == "git.items.get" }

// PullRequest is a pull request editing files files of lines lines each
// (every line edited); the first file gets findings console.log lines.
func PullRequest(files, lines, findings int) (base, head map[string]string) {
	base, head = map[string]string{}, map[string]string{}
	for f := range files {
		var b, h strings.Builder
		for l := range lines {
			fmt.Fprintf(&b, "// value %d of file %d\n", l, f)
			fmt.Fprintf(&h, "// value %d of file %d, edited\n", l, f)
		}
		if f == 0 {
			for i := range findings {
				fmt.Fprintf(&h, "console.log(%d);\n", i)
			}
		}
		path := fmt.Sprintf("/src/d%02d/f%04d.js", f%50, f)
		base[path], head[path] = b.String(), h.String()
	}
	return base, head
}

// SplitCalls splits a request log into content reads and the rest, by
// operation.
func SplitCalls(log []azdosim.Request) (content, rest []string) {
	for _, r := range log {
		if IsContentRead(r.Operation) {
			content = append(content, r.Operation)
		} else {
			rest = append(rest, r.Operation)
		}
	}
	return content, rest
}

// FullReviewBound is the cost bound on the Azure DevOps calls of a full
// review of files changed files, before 2 × the threads it posts: 8 for
// up to 100 files, 12 above.
func FullReviewBound(files int) int {
	if files > 100 {
		return 12
	}
	return 8
}

// FullReview is one full review to measure: a new pull request of Files
// changed files of Lines lines (PullRequest), Findings of them on the
// first file, reviewed by a worker of a fleet that has reviewed before —
// its review state on a real JetStream server, whose bucket has its epoch
// (coordination.Store.StateEpoch), the pull request created after it — as
// most pull requests are. Warm: the worker has reviewed another pull
// request into the same target commit first, so it has that commit's
// .azreviewer.yaml; cold (not Warm): it has only made the endpoint
// discovery, once per process.
type FullReview struct {
	Files, Lines, Findings int
	Warm                   bool
}

func (c FullReview) String() string {
	temp := "cold"
	if c.Warm {
		temp = "warm"
	}
	findings := "findings"
	if c.Findings == 1 {
		findings = "finding"
	}
	return fmt.Sprintf("F=%d, %d %s, %s", c.Files, c.Findings, findings, temp)
}

// FullReviewCost is what one full review cost.
type FullReviewCost struct {
	Report worker.Report
	// Content and Others are the operations of the review's calls: file
	// content reads and the rest.
	Content, Others []string
}

// Calls is the review's Azure DevOps calls.
func (c FullReviewCost) Calls() int { return len(c.Content) + len(c.Others) }

// Bound is the cost bound for this review: FullReviewBound + 2 × the
// threads it posted.
func (c FullReviewCost) Bound() int {
	return FullReviewBound(c.Report.FilesReviewed) + 2*c.Report.ThreadsPosted
}

// MeasureFullReview starts a simulator, an embedded JetStream server with
// the review state's buckets and its epoch, then c's pull request and a
// worker, readies the worker as c says, reviews the pull request once and
// returns the calls of that review. It stops the servers before it
// returns.
func MeasureFullReview(ctx context.Context, c FullReview) (FullReviewCost, error) {
	var cost FullReviewCost
	rig, err := StartRig(ctx)
	if err != nil {
		return cost, err
	}
	defer rig.Close()
	sim, store := rig.Sim, rig.Store
	if _, err := store.StateEpoch(ctx); err != nil {
		return cost, err
	}
	base, head := PullRequest(c.Files, c.Lines, c.Findings)
	pr := sim.NewPullRequest(base, head)
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	if err != nil {
		return cost, err
	}
	// The simulator's creationDate and the NATS server's epoch are both
	// this machine's clock: no skew to allow for.
	w, err := worker.New(worker.Config{OrgURL: sim.Org.URL(), Coordinator: store, StateClockSkew: time.Nanosecond, LeaseRefresh: 100 * time.Millisecond,
		// Only a stuck review's bound: the reviewers get three quarters of
		// it, and 1,000 files under -race on a loaded machine take tens of
		// seconds.
		ReviewTimeout: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	if err != nil {
		return cost, err
	}
	req := &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "e1",
		OrgURL: sim.Org.URL(), ProjectID: sim.Project.ID(), RepositoryID: sim.Repo.ID(), PullRequestID: pr.ID(),
	}
	if c.Warm {
		// Another pull request into the same target commit.
		other := sim.NewPullRequest(base, map[string]string{"/other.js": "let o;\n"})
		first := *req
		first.PullRequestID = other.ID()
		if _, err := w.Review(ctx, &first); err != nil {
			return cost, fmt.Errorf("the review that warms the worker: %w", err)
		}
	} else if _, err := client.PullRequest(ctx, azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID}); err != nil {
		// Endpoint discovery is once per process, not per review.
		return cost, err
	}
	before := len(sim.Server.Requests())
	if cost.Report, err = w.Review(ctx, req); err != nil {
		return cost, err
	}
	cost.Content, cost.Others = SplitCalls(sim.Server.Requests()[before:])
	return cost, nil
}
