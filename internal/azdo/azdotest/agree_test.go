package azdotest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// commenter is what both stand-ins offer for a pull request's threads.
type commenter interface {
	Threads(ctx context.Context, ref azdo.PullRequestRef) ([]azdo.Thread, error)
	Thread(ctx context.Context, ref azdo.PullRequestRef, threadID int) (azdo.Thread, error)
	CreateThread(ctx context.Context, ref azdo.PullRequestRef, thread azdo.Thread) (azdo.Thread, error)
	UpdateThreadStatus(ctx context.Context, ref azdo.PullRequestRef, threadID int, status azdo.ThreadStatus) (azdo.Thread, error)
	UpdateThreadProperties(ctx context.Context, ref azdo.PullRequestRef, threadID int, props map[string]string) (azdo.Thread, error)
	UpdateComment(ctx context.Context, ref azdo.PullRequestRef, threadID, commentID int, content string) (azdo.Comment, error)
	Reply(ctx context.Context, ref azdo.PullRequestRef, threadID, parentCommentID int, content string) (azdo.Comment, error)
	DeleteComment(ctx context.Context, ref azdo.PullRequestRef, threadID, commentID int) error
	CreateStatus(ctx context.Context, ref azdo.PullRequestRef, s azdo.Status) (azdo.Status, error)
}

// outcome is what a call answered, as the worker can tell it: the value,
// or the kind of the error.
func outcome(v any, err error) string {
	if err != nil {
		if e, ok := azdo.AsError(err); ok {
			return fmt.Sprintf("error %s (HTTP %d)", e.Kind, e.StatusCode)
		}
		return "error " + err.Error()
	}
	return fmt.Sprintf("%+v", v)
}

// TestFakeAgreesWithTheSimulator: the fake answers the calls the worker
// and doctor make as the client does against the simulator — the same
// values for the same writes, the same refusals (a comment that is not
// there, another author's comment, a thread without a comment) — so that
// a pipeline test on the fake proves what it would prove over HTTP. Thread
// 1 is a person's (Author's), written before the script runs.
func TestFakeAgreesWithTheSimulator(t *testing.T) {
	t.Parallel()
	finding := azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: "finding"}},
		FilePath: "/a.txt", Start: azdo.Position{Line: 1, Offset: 1}, End: azdo.Position{Line: 1, Offset: 7}, ChangeTrackingID: 1, Iteration: 1,
		Properties: map[string]string{"azreviewer.fingerprint": "fp", "azreviewer.rule": "r"}}
	steps := []struct {
		name string
		call func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string
	}{
		{"create a finding thread", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.CreateThread(ctx, ref, finding))
		}},
		{"create a thread without status", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.CreateThread(ctx, ref, azdo.Thread{Comments: []azdo.Comment{{Content: "probe"}}}))
		}},
		{"create a thread without comment", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.CreateThread(ctx, ref, azdo.Thread{Status: azdo.ThreadActive}))
		}},
		{"resolve", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.UpdateThreadStatus(ctx, ref, 2, azdo.ThreadFixed))
		}},
		{"merge properties", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.UpdateThreadProperties(ctx, ref, 2, map[string]string{"azreviewer.rule": "s", "k": "v"}))
		}},
		{"edit own comment", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.UpdateComment(ctx, ref, 2, 1, "edited"))
		}},
		{"edit a comment that is not there", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.UpdateComment(ctx, ref, 2, 9, "edited"))
		}},
		{"edit another author's comment", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.UpdateComment(ctx, ref, 1, 1, "edited"))
		}},
		{"reply", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Reply(ctx, ref, 1, 1, "answer"))
		}},
		{"reply to a thread that is not there", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Reply(ctx, ref, 99, 1, "answer"))
		}},
		{"delete own comment", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(nil, c.DeleteComment(ctx, ref, 3, 1))
		}},
		{"delete another author's comment", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(nil, c.DeleteComment(ctx, ref, 1, 1))
		}},
		{"status", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.CreateStatus(ctx, ref, azdo.Status{Genre: "azreviewer", Name: "review", State: azdo.StatusSucceeded, Description: "d", Iteration: 1}))
		}},
		{"get a thread", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Thread(ctx, ref, 2))
		}},
		{"get a person's thread", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Thread(ctx, ref, 1))
		}},
		{"get a thread that is not there", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Thread(ctx, ref, 99))
		}},
		{"list", func(ctx context.Context, c commenter, ref azdo.PullRequestRef) string {
			return outcome(c.Threads(ctx, ref))
		}},
	}
	run := func(c commenter, ref azdo.PullRequestRef) []string {
		out := make([]string, len(steps))
		for i, s := range steps {
			out[i] = s.name + ": " + s.call(context.Background(), c, ref)
		}
		return out
	}

	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.txt": "1\n"}, map[string]string{"/a.txt": "1\n2\n"})
	text, content := git.CommentTypeValues.Text, "a person's comment"
	active := git.CommentThreadStatusValues.Active
	pr.AddThread(sim.Author, git.GitPullRequestCommentThread{Status: &active, Comments: &[]git.Comment{{Content: &content, CommentType: &text}}})
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
	require.NoError(t, err)
	want := run(client, azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()})

	fake := azdotest.NewFake(nil, nil)
	fake.ThreadsValue = []azdo.Thread{{ID: 1, Status: azdo.ThreadActive,
		Comments: []azdo.Comment{{ID: 1, Content: content, Type: azdo.CommentText, AuthorID: azdotest.Author().ID}}}}
	got := run(fake, azdo.PullRequestRef{ID: 1})
	for i := range steps {
		assert.Equal(t, want[i], got[i], "step %q", steps[i].name)
	}
}

// fileReader is what both stand-ins offer for a pull request's files.
type fileReader interface {
	Iterations(ctx context.Context, ref azdo.PullRequestRef) ([]azdo.Iteration, error)
	IterationChanges(ctx context.Context, ref azdo.PullRequestRef, iteration, compareTo int) ([]azdo.Change, error)
	ReadFiles(ctx context.Context, ref azdo.PullRequestRef, groups [][]azdo.FileVersion, parallel int, fn func(group int, files []azdo.FileContent) error) error
}

// TestFakeReadsFilesAsTheSimulator: the fake's changes name the blobs the
// simulator's name (objectId after the change, originalObjectId before),
// and its ReadFiles answers what the client's bulk read answers for them:
// every version by blob id, a version by path only, a path that is not
// there.
func TestFakeReadsFilesAsTheSimulator(t *testing.T) {
	t.Parallel()
	base := map[string]string{"/edit.txt": "1\n", "/gone.txt": "x\n", "/same.txt": "s\n"}
	head := map[string]string{"/edit.txt": "1\n2\n", "/new.txt": "n\n", "/same.txt": "s\n"}
	run := func(t *testing.T, r fileReader, ref azdo.PullRequestRef) []string {
		ctx := context.Background()
		its, err := r.Iterations(ctx, ref)
		require.NoError(t, err)
		it := its[len(its)-1]
		changes, err := r.IterationChanges(ctx, ref, it.ID, 0)
		require.NoError(t, err)
		var out []string
		var groups [][]azdo.FileVersion
		for _, ch := range changes {
			out = append(out, fmt.Sprintf("change %s %s new=%s old=%s", ch.Path, ch.ChangeType, ch.ObjectID, ch.OriginalObjectID))
			groups = append(groups, []azdo.FileVersion{
				{ObjectID: ch.OriginalObjectID, Path: ch.Path, Commit: it.CommonCommit},
				{ObjectID: ch.ObjectID, Path: ch.Path, Commit: it.SourceCommit},
			})
		}
		groups = append(groups, []azdo.FileVersion{{Path: "/same.txt", Commit: it.SourceCommit}, {Path: "/nowhere.txt", Commit: it.SourceCommit}})
		read := make([]string, len(groups))
		require.NoError(t, r.ReadFiles(ctx, ref, groups, 1, func(g int, files []azdo.FileContent) error {
			for _, f := range files {
				read[g] += fmt.Sprintf("[%t %q]", f.Found, f.Content)
			}
			return nil
		}))
		return append(out, read...)
	}

	sim := azdotest.New(t)
	pr := sim.NewPullRequest(base, head)
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
	require.NoError(t, err)
	want := run(t, client, azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()})
	got := run(t, azdotest.NewFake(base, head), azdo.PullRequestRef{ID: 1})
	assert.Equal(t, want, got)
	assert.Equal(t, 1, sim.Server.Count("git.blobs.zip"), "the client read the blobs in bulk")
}
