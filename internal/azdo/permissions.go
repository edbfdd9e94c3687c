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

// SecurityScope is the PAT scope that most likely allows evaluating
// permissions: the spec (security 7.1) lists none for HasPermissions and
// HasPermissionsBatch and vso.security_manage for the security API's other
// operations, and every REST API has had a PAT scope since late 2022.
// Unverified against a real organisation. A PAT with Code (Read & Write)
// and Code (Status) does not have it.
const SecurityScope = "vso.security_manage"

// ServiceHooksNamespaceID is the ServiceHooks security namespace; its
// token PublisherSecurity/{projectId} holds a project's subscription
// permissions.
const ServiceHooksNamespaceID = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046"

// hooksViewSubscriptions is the ServiceHooks namespace's View
// Subscriptions bit, held by project administrators by default.
const hooksViewSubscriptions = 1

// HasPermission evaluates one Git permission of the PAT's identity on a
// repository (security namespace evaluation; it writes nothing). A PAT
// whose scopes do not allow the evaluation gets an *Error of
// KindCannotEvaluate naming SecurityScope, never KindUnauthorized (unless
// it expired): call it after another call proved the PAT is accepted.
func (c *Client) HasPermission(ctx context.Context, projectID, repositoryID string, perm GitPermission) (bool, error) {
	return c.evaluate(ctx, "evaluate "+perm.Name(), GitNamespaceID, RepositoryToken(projectID, repositoryID), int(perm))
}

// CanViewSubscriptions evaluates whether the PAT's identity holds View
// Subscriptions on the project's service hooks, without which the
// subscription list hides them. Failures are classified as HasPermission's.
func (c *Client) CanViewSubscriptions(ctx context.Context, projectID string) (bool, error) {
	return c.evaluate(ctx, "evaluate ViewSubscriptions", ServiceHooksNamespaceID, "PublisherSecurity/"+projectID, hooksViewSubscriptions)
}

// evaluate asks whether the PAT's identity holds every bit of bits on token
// in the namespace.
func (c *Client) evaluate(ctx context.Context, op, namespace, token string, bits int) (bool, error) {
	no := false
	ns := uuid.MustParse(namespace)
	got, err := c.security.HasPermissions(ctx, security.HasPermissionsArgs{
		SecurityNamespaceId: &ns, Permissions: &bits, Tokens: &token, AlwaysAllowAdministrators: &no,
	})
	if err != nil {
		return false, evaluationFailure(op, err)
	}
	if got == nil || len(*got) != 1 {
		return false, fmt.Errorf("azure devops: %s: the permission evaluation returned no answer", op)
	}
	return (*got)[0], nil
}
