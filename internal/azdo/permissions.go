package azdo

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
)

// GitNamespaceID is the Git Repositories security namespace.
const GitNamespaceID = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"

// GitPermission is a bit of the Git Repositories security namespace.
type GitPermission int

// The Git permissions a review depends on.
const (
	GitGenericRead           GitPermission = 2
	GitGenericContribute     GitPermission = 4
	GitPullRequestContribute GitPermission = 16384
)

// ReviewPermissions are the Git permissions a review needs: read the code,
// and comment on pull requests.
func ReviewPermissions() []GitPermission {
	return []GitPermission{GitGenericRead, GitPullRequestContribute}
}

// Name is the permission's name as the API spells it ("PullRequestContribute").
func (p GitPermission) Name() string {
	switch p {
	case GitGenericRead:
		return "GenericRead"
	case GitGenericContribute:
		return "GenericContribute"
	case GitPullRequestContribute:
		return "PullRequestContribute"
	default:
		return fmt.Sprintf("permission %d", int(p))
	}
}

// Label is the permission's name as the web UI shows it ("Contribute to pull
// requests"), which is what an operator grants.
func (p GitPermission) Label() string {
	switch p {
	case GitGenericRead:
		return "Read"
	case GitGenericContribute:
		return "Contribute"
	case GitPullRequestContribute:
		return "Contribute to pull requests"
	default:
		return p.Name()
	}
}

// permissionFromMessage reads the permission named by a TF401027 message
// ("You need the Git 'PullRequestContribute' permission …").
func permissionFromMessage(msg string) (GitPermission, bool) {
	for _, p := range []GitPermission{GitPullRequestContribute, GitGenericContribute, GitGenericRead} {
		if strings.Contains(msg, "'"+p.Name()+"'") {
			return p, true
		}
	}
	return 0, false
}

// RepositoryToken is the security token of a repository.
func RepositoryToken(projectID, repositoryID string) string {
	return "repoV2/" + projectID + "/" + repositoryID
}

// HasPermission evaluates one Git permission of the PAT's identity on a
// repository (security namespace evaluation; it writes nothing).
func (c *Client) HasPermission(ctx context.Context, projectID, repositoryID string, perm GitPermission) (bool, error) {
	bits := int(perm)
	token := RepositoryToken(projectID, repositoryID)
	no := false
	ns := uuid.MustParse(GitNamespaceID)
	got, err := c.security.HasPermissions(ctx, security.HasPermissionsArgs{
		SecurityNamespaceId: &ns, Permissions: &bits, Tokens: &token, AlwaysAllowAdministrators: &no,
	})
	if err != nil {
		return false, wrap("evaluate "+perm.Name(), err)
	}
	if got == nil || len(*got) != 1 {
		return false, fmt.Errorf("azure devops: permission evaluation of %s returned no answer", perm.Name())
	}
	return (*got)[0], nil
}
