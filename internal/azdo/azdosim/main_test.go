package azdosim_test

import (
	"errors"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// gitClient builds a git client the way production code does: through
// resource-area and location discovery.
func gitClient(t *testing.T, sim *azdotest.Sim) git.Client {
	t.Helper()
	client, err := git.NewClient(t.Context(), sim.Connection())
	require.NoError(t, err)
	return client
}

// requireAzureError asserts that err is an azuredevops.WrappedError, in
// either of the forms the SDK returns (value for JSON bodies, pointer for
// empty ones), with the given status and typeKey.
func requireAzureError(t *testing.T, err error, status int, typeKey string) azuredevops.WrappedError {
	t.Helper()
	require.Error(t, err)
	var value azuredevops.WrappedError
	var pointer *azuredevops.WrappedError
	switch {
	case errors.As(err, &value):
	case errors.As(err, &pointer):
		value = *pointer
	default:
		t.Fatalf("error %T %q is not an azuredevops.WrappedError", err, err)
	}
	require.NotNil(t, value.StatusCode, "status code")
	require.Equal(t, status, *value.StatusCode)
	require.NotNil(t, value.TypeKey, "typeKey")
	require.Equal(t, typeKey, *value.TypeKey)
	return value
}

// prArgs are the route values shared by the pull request operations.
type prArgs struct {
	project, repo string
	id            int
}

func args(sim *azdotest.Sim, prID int) prArgs {
	return prArgs{project: sim.Project.Name(), repo: sim.Repo.Name(), id: prID}
}

func ptr[T any](v T) *T { return &v }
