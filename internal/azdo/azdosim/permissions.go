package azdosim

import (
	"fmt"
	"math/bits"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
)

// GitRepositoriesNamespace is the id of the Git Repositories security
// namespace, whose permission bits GitPermission names.
const GitRepositoriesNamespace = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"

// GitPermission is a set of permission bits of the Git Repositories
// security namespace (reference §7.1). A review bot needs GitGenericRead
// and GitPullRequestContribute.
type GitPermission int

// The Git Repositories namespace's permission bits.
const (
	GitAdminister              GitPermission = 1
	GitGenericRead             GitPermission = 2
	GitGenericContribute       GitPermission = 4
	GitForcePush               GitPermission = 8
	GitCreateBranch            GitPermission = 16
	GitCreateTag               GitPermission = 32
	GitManageNote              GitPermission = 64
	GitPolicyExempt            GitPermission = 128
	GitCreateRepository        GitPermission = 256
	GitDeleteRepository        GitPermission = 512
	GitRenameRepository        GitPermission = 1024
	GitEditPolicies            GitPermission = 2048
	GitRemoveOthersLocks       GitPermission = 4096
	GitManagePermissions       GitPermission = 8192
	GitPullRequestContribute   GitPermission = 16384
	GitPullRequestBypassPolicy GitPermission = 32768
	GitViewAdvSecAlerts        GitPermission = 65536
	GitDismissAdvSecAlerts     GitPermission = 131072
	GitManageAdvSecScanning    GitPermission = 262144
)

// gitPermissionHighestDefined is the namespace's highest defined bit.
const gitPermissionHighestDefined = GitManageAdvSecScanning

// gitPermissionName is the namespace's action name for bit position i.
func gitPermissionName(i int) string {
	switch GitPermission(1) << i {
	case GitAdminister:
		return "Administer"
	case GitGenericRead:
		return "GenericRead"
	case GitGenericContribute:
		return "GenericContribute"
	case GitForcePush:
		return "ForcePush"
	case GitCreateBranch:
		return "CreateBranch"
	case GitCreateTag:
		return "CreateTag"
	case GitManageNote:
		return "ManageNote"
	case GitPolicyExempt:
		return "PolicyExempt"
	case GitCreateRepository:
		return "CreateRepository"
	case GitDeleteRepository:
		return "DeleteRepository"
	case GitRenameRepository:
		return "RenameRepository"
	case GitEditPolicies:
		return "EditPolicies"
	case GitRemoveOthersLocks:
		return "RemoveOthersLocks"
	case GitManagePermissions:
		return "ManagePermissions"
	case GitPullRequestContribute:
		return "PullRequestContribute"
	case GitPullRequestBypassPolicy:
		return "PullRequestBypassPolicy"
	case GitViewAdvSecAlerts:
		return "ViewAdvSecAlerts"
	case GitDismissAdvSecAlerts:
		return "DismissAdvSecAlerts"
	case GitManageAdvSecScanning:
		return "ManageAdvSecScanning"
	}
	return ""
}

// String returns the action name Azure DevOps uses for the bit, e.g.
// "PullRequestContribute"; several bits are joined with "|", and undefined
// bits are shown as GitPermission(N).
func (p GitPermission) String() string {
	if p == 0 {
		return "None"
	}
	var names []string
	rest := p
	for b := GitPermission(1); b <= gitPermissionHighestDefined; b <<= 1 {
		if p&b != 0 {
			names = append(names, gitPermissionName(bits.TrailingZeros(uint(b))))
			rest &^= b
		}
	}
	if rest != 0 {
		names = append(names, "GitPermission("+strconv.Itoa(int(rest))+")")
	}
	return strings.Join(names, "|")
}

// acl holds the permissions explicitly denied to identities on one
// security token, keyed by lowercased identity id.
type acl map[string]GitPermission

func (a acl) deny(who Identity, perm GitPermission) {
	a[strings.ToLower(who.ID)] |= perm
}

func (a acl) allow(who Identity, perm GitPermission) {
	id := strings.ToLower(who.ID)
	if a[id] &^= perm; a[id] == 0 {
		delete(a, id)
	}
}

// denied returns the bits denied to the identity with the given id.
func (a acl) denied(id string) GitPermission { return a[strings.ToLower(id)] }

// Deny takes perm (one or more bits) away from who on this repository, as
// an explicit Deny in its security settings would. By default every
// identity has every permission. Without GitGenericRead the repository is
// hidden from who (404 as if it did not exist); without
// GitPullRequestContribute creating or updating threads, comments and pull
// request statuses fails with 403 GitNeedsPermissionException. who is
// matched by ID (derived from the names if empty). Safe to call while
// serving.
func (r *Repository) Deny(who Identity, perm GitPermission) {
	who = who.normalized()
	s := r.project.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r.acl.deny(who, perm)
}

// Allow removes a Deny of perm for who on this repository (a deny on the
// project still applies).
func (r *Repository) Allow(who Identity, perm GitPermission) {
	who = who.normalized()
	s := r.project.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r.acl.allow(who, perm)
}

// Deny takes perm away from who on the project's repoV2/{projectId} token,
// which every repository of the project (including ones added later)
// inherits. See Repository.Deny.
func (p *Project) Deny(who Identity, perm GitPermission) {
	who = who.normalized()
	s := p.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p.acl.deny(who, perm)
}

// Allow removes a project-level Deny of perm for who.
func (p *Project) Allow(who Identity, perm GitPermission) {
	who = who.normalized()
	s := p.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p.acl.allow(who, perm)
}

// deniedTo returns the permissions who lacks on r, its own and inherited
// from the project. Requires s.mu.
func (r *Repository) deniedTo(who Identity) GitPermission {
	return r.project.acl.denied(who.ID) | r.acl.denied(who.ID)
}

// requirePermission fails with Azure's 403 GitNeedsPermissionException if
// the caller lacks perm on r. Requires s.mu.
func (c *call) requirePermission(r *Repository, perm GitPermission) error {
	if missing := r.deniedTo(c.who) & perm; missing != 0 {
		return errNeedsPermission(missing, c.who)
	}
	return nil
}

// canRead reports whether the caller may see r at all. Requires s.mu.
func (c *call) canRead(r *Repository) bool { return r.deniedTo(c.who)&GitGenericRead == 0 }

// errNeedsPermission is the service's answer to a write the caller's ACLs do
// not allow. The identity part of the message imitates the
// "Build\<guid>" form seen for build identities; the exact form for users is
// a guess.
func errNeedsPermission(missing GitPermission, who Identity) *apiError {
	// Name the lowest missing bit, as the service names one permission.
	first := missing & -missing
	return newAPIError(http.StatusForbidden, gitAssembly, "GitNeedsPermissionException",
		fmt.Sprintf("TF401027: You need the Git '%s' permission to perform this action. Details: identity 'azdosim\\%s', scope 'repository'.",
			first, who.UniqueName))
}

// evaluatePermission answers whether who holds all of perms on token in the
// security namespace ns. Only the Git Repositories and ServiceHooks
// namespaces know denies (see evaluateHooksPermission for the latter);
// every other namespace, unknown token or unknown project grants
// everything. Git tokens are repoV2[/{projectId}[/{repositoryId}[/…]]];
// deeper tokens (branches) inherit from their repository. Requires s.mu.
func (o *Org) evaluatePermission(ns uuid.UUID, token string, perms GitPermission, who Identity) bool {
	if perms == 0 {
		return true
	}
	switch ns.String() {
	case ServiceHooksNamespace:
		return o.evaluateHooksPermission(token, HooksPermission(perms), who)
	case GitRepositoriesNamespace:
	default:
		return true
	}
	parts := strings.Split(strings.Trim(token, "/"), "/")
	if len(parts) < 2 || !strings.EqualFold(parts[0], "repoV2") {
		return true
	}
	var p *Project
	for _, candidate := range o.projects {
		if strings.EqualFold(candidate.id.String(), parts[1]) {
			p = candidate
			break
		}
	}
	if p == nil {
		return true
	}
	denied := p.acl.denied(who.ID)
	if len(parts) >= 3 {
		for _, r := range p.repos {
			if strings.EqualFold(r.id.String(), parts[2]) {
				denied |= r.acl.denied(who.ID)
				break
			}
		}
	}
	return denied&perms == 0
}

// hasPermissions serves GET
// {org}/_apis/permissions/{securityNamespaceId}/{permissions}?tokens=…
// &alwaysAllowAdministrators=…&delimiter=…: one bool per token, true when
// the caller holds every requested bit. alwaysAllowAdministrators is
// ignored (nobody is an administrator); no tokens evaluates the namespace
// root once.
func (c *call) hasPermissions() (*response, error) {
	ns, err := uuid.Parse(c.params["securityNamespaceId"])
	if err != nil {
		return nil, errBadRequest("The value '%s' is not valid for securityNamespaceId.", c.params["securityNamespaceId"])
	}
	perms, err := c.intParam("permissions")
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	delimiter := q.Get("delimiter")
	if delimiter == "" {
		delimiter = ","
	}
	tokens := []string{""}
	if raw := q.Get("tokens"); raw != "" {
		tokens = strings.Split(raw, delimiter)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := make([]bool, len(tokens))
	for i, token := range tokens {
		out[i] = c.org.evaluatePermission(ns, token, GitPermission(perms), c.who)
	}
	return collectionResponse(out)
}

// evaluatePermissionBatch serves POST
// {org}/_apis/security/permissionevaluationbatch: the request's
// evaluations, each with its value filled in.
func (c *call) evaluatePermissionBatch() (*response, error) {
	var in security.PermissionEvaluationBatch
	if err := decodeBody(c.r, &in); err != nil {
		return nil, err
	}
	out := security.PermissionEvaluationBatch{
		AlwaysAllowAdministrators: ptr(in.AlwaysAllowAdministrators != nil && *in.AlwaysAllowAdministrators),
		Evaluations:               &[]security.PermissionEvaluation{},
	}
	if in.Evaluations == nil {
		return jsonResponse(http.StatusOK, out)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	for _, ev := range *in.Evaluations {
		if ev.SecurityNamespaceId == nil {
			return nil, errBadRequest("Every evaluation needs a securityNamespaceId.")
		}
		perms, token := 0, ""
		if ev.Permissions != nil {
			perms = *ev.Permissions
		}
		if ev.Token != nil {
			token = *ev.Token
		}
		ev.Value = ptr(c.org.evaluatePermission(*ev.SecurityNamespaceId, token, GitPermission(perms), c.who))
		*out.Evaluations = append(*out.Evaluations, ev)
	}
	return jsonResponse(http.StatusOK, out)
}
