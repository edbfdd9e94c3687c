package azdo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestProjectsAndOpenPullRequests lists every project across pages and a
// project's active pull requests across pages, through the SDK.
func TestProjectsAndOpenPullRequests(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	for i := range 150 {
		sim.Org.AddProject(fmt.Sprintf("extra-%03d", i))
	}
	var want []int
	for i := range 105 {
		pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": fmt.Sprintf("%d\n", i)})
		want = append([]int{pr.ID()}, want...)
	}
	closed := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "x\n"})
	closed.SetStatus("completed")
	c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, RequestsPerSecond: -1})
	require.NoError(t, err)

	projects, err := c.Projects(context.Background())
	require.NoError(t, err)
	require.Len(t, projects, 151, "every page")
	require.Greater(t, sim.Server.Count("core.projects.list"), 1)

	prs, err := c.OpenPullRequests(context.Background(), sim.Project.Name(), 0)
	require.NoError(t, err)
	var got []int
	for _, pr := range prs {
		got = append(got, pr.ID)
		require.Equal(t, sim.Repo.ID(), pr.RepositoryID)
		require.Equal(t, sim.Project.ID(), pr.ProjectID)
		require.Len(t, pr.SourceCommit, 40)
	}
	require.Equal(t, want, got, "active ones only, newest first, across pages")

	some, err := c.OpenPullRequests(context.Background(), sim.Project.Name(), 7)
	require.NoError(t, err)
	require.Len(t, some, 7)
}
