package azdosim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// Org is an Azure DevOps organization (a project collection) on a Server.
type Org struct {
	s            *Server
	id           uuid.UUID
	collectionID uuid.UUID
	name         string

	// Guarded by s.mu.
	projects          []*Project
	pullRequests      map[int]*PullRequest
	nextPullRequestID int
	nextThreadID      int
	subscriptions     map[string]*subscription // synthetic, for Event
	hooks             []*hookSubscription      // added with AddSubscription
	hiddenHooks       HiddenSubscriptions      // see SetHiddenSubscriptions
}

// Project is a team project inside an Org.
type Project struct {
	org  *Org
	id   uuid.UUID
	name string

	// Guarded by org.s.mu.
	repos    []*Repository
	acl      acl                        // denies on repoV2/{projectId}
	hooksACL map[string]HooksPermission // denies on PublisherSecurity/{projectId}, by lowercased identity id
}

// Repository is a Git repository inside a Project. It stores commits as
// complete trees and branches as names pointing at commits.
type Repository struct {
	project *Project
	id      uuid.UUID
	name    string

	// Guarded by project.org.s.mu.
	commits    map[string]*commit
	branches   map[string]string // "refs/heads/x" → commit id
	acl        acl               // denies on repoV2/{projectId}/{repositoryId}
	submodules map[string]bool   // paths MarkSubmodule marked
}

// MarkSubmodule makes the entries of path (as "/lib/vendored") in iteration
// changes submodule entries: Git object type commit, as a submodule's
// commit of another repository is [unverified: that iteration changes
// carry gitObjectType]. Safe to call while serving.
func (r *Repository) MarkSubmodule(path string) {
	s := r.project.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.submodules == nil {
		r.submodules = map[string]bool{}
	}
	r.submodules[path] = true
}

// commit is a snapshot of a repository's files.
type commit struct {
	id    string
	files map[string]blob // path ("/a/b.go") → blob
}

// blob is a file's content and its Git object id.
type blob struct {
	objectID string
	content  string
}

// defaultBranch is every repository's default branch.
const defaultBranch = "refs/heads/main"

// AddOrg creates an organization. Names may contain spaces and mixed case
// ("Fabrikam Fiber"); they are matched case-insensitively, so adding a name
// that differs from an existing one only in case panics, as does an empty
// name.
func (s *Server) AddOrg(name string) *Org {
	if name == "" {
		panic("azdosim: empty organization name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orgs {
		if strings.EqualFold(o.name, name) {
			panic(fmt.Sprintf("azdosim: organization %q already exists", name))
		}
	}
	o := &Org{
		s:                 s,
		id:                uuid.New(),
		collectionID:      uuid.New(),
		name:              name,
		pullRequests:      make(map[int]*PullRequest),
		nextPullRequestID: 1,
		nextThreadID:      1,
		subscriptions:     make(map[string]*subscription),
	}
	s.orgs = append(s.orgs, o)
	return o
}

// Name returns the organization's name as given to AddOrg.
func (o *Org) Name() string { return o.name }

// ID returns the organization's (account's) GUID.
func (o *Org) ID() string { return o.id.String() }

// URL returns the organization URL to hand to
// azuredevops.NewPatConnection: the server URL, "/", and the path-escaped
// name, e.g. "http://127.0.0.1:PORT/Fabrikam%20Fiber".
func (o *Org) URL() string { return o.s.rootURL() + url.PathEscape(o.name) }

// AddProject creates a project. Names are matched case-insensitively; a
// duplicate or empty name panics.
func (o *Org) AddProject(name string) *Project {
	if name == "" {
		panic("azdosim: empty project name")
	}
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	if o.findProject(name) != nil {
		panic(fmt.Sprintf("azdosim: project %q already exists in %q", name, o.name))
	}
	p := &Project{org: o, id: uuid.New(), name: name, acl: make(acl), hooksACL: make(map[string]HooksPermission)}
	o.projects = append(o.projects, p)
	return p
}

// PullRequest returns the pull request with the given id, or nil.
func (o *Org) PullRequest(id int) *PullRequest {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	return o.pullRequests[id]
}

// findProject finds a project by name or id, ignoring case. Requires s.mu.
func (o *Org) findProject(nameOrID string) *Project {
	for _, p := range o.projects {
		if strings.EqualFold(p.name, nameOrID) || strings.EqualFold(p.id.String(), nameOrID) {
			return p
		}
	}
	return nil
}

// findRepoByID finds a repository of any project by id. Requires s.mu.
func (o *Org) findRepoByID(id string) *Repository {
	for _, p := range o.projects {
		for _, r := range p.repos {
			if strings.EqualFold(r.id.String(), id) {
				return r
			}
		}
	}
	return nil
}

// ID returns the project's GUID.
func (p *Project) ID() string { return p.id.String() }

// Name returns the project's name.
func (p *Project) Name() string { return p.name }

// Org returns the organization the project belongs to.
func (p *Project) Org() *Org { return p.org }

// AddRepository creates an empty Git repository. Names are matched
// case-insensitively within the project; a duplicate or empty name panics.
func (p *Project) AddRepository(name string) *Repository {
	if name == "" {
		panic("azdosim: empty repository name")
	}
	p.org.s.mu.Lock()
	defer p.org.s.mu.Unlock()
	if p.findRepo(name) != nil {
		panic(fmt.Sprintf("azdosim: repository %q already exists in %q", name, p.name))
	}
	r := &Repository{
		project:  p,
		id:       uuid.New(),
		name:     name,
		commits:  make(map[string]*commit),
		branches: make(map[string]string),
		acl:      make(acl),
	}
	p.repos = append(p.repos, r)
	return r
}

// findRepo finds a repository of p by name or id, ignoring case. Requires
// s.mu.
func (p *Project) findRepo(nameOrID string) *Repository {
	for _, r := range p.repos {
		if strings.EqualFold(r.name, nameOrID) || strings.EqualFold(r.id.String(), nameOrID) {
			return r
		}
	}
	return nil
}

// ID returns the repository's GUID.
func (r *Repository) ID() string { return r.id.String() }

// Name returns the repository's name.
func (r *Repository) Name() string { return r.name }

// Project returns the project the repository belongs to.
func (r *Repository) Project() *Project { return r.project }

// Commit stores a complete tree, path → content, and returns its 40-hex
// commit id, a hash of the tree (so identical trees get identical ids).
// Paths should start with "/"; a missing leading slash is added. The first
// commit of a repository also becomes its default branch, refs/heads/main.
func (r *Repository) Commit(files map[string]string) string {
	tree := make(map[string]blob, len(files))
	for p, content := range files {
		if p == "" || p == "/" {
			panic(fmt.Sprintf("azdosim: invalid file path %q", p))
		}
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		tree[p] = blob{objectID: blobID(content), content: content}
	}
	c := &commit{id: treeID(tree), files: tree}
	s := r.project.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := r.commits[c.id]; !ok {
		r.commits[c.id] = c
	}
	if _, ok := r.branches[defaultBranch]; !ok {
		r.branches[defaultBranch] = c.id
	}
	return c.id
}

// SetBranch points a branch ("main" or "refs/heads/main") at a commit of
// this repository, which must exist.
func (r *Repository) SetBranch(branch, commitID string) {
	s := r.project.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r.mustCommit(commitID)
	r.branches[refName(branch)] = commitID
}

// mustCommit returns a stored commit or panics. Requires s.mu.
func (r *Repository) mustCommit(id string) *commit {
	c, ok := r.commits[id]
	if !ok {
		panic(fmt.Sprintf("azdosim: commit %q does not exist in repository %q", id, r.name))
	}
	return c
}

// refName qualifies a short branch name with "refs/heads/".
func refName(branch string) string {
	if strings.HasPrefix(branch, "refs/") {
		return branch
	}
	return "refs/heads/" + branch
}

// blobID is the Git object id of a file: SHA-1 over "blob <len>\x00<content>".
func blobID(content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// treeID hashes a tree's sorted paths and blob ids into a commit id.
func treeID(tree map[string]blob) string {
	paths := make([]string, 0, len(tree))
	for p := range tree {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha1.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%s\n", p, tree[p].objectID)
	}
	return hex.EncodeToString(h.Sum(nil))
}
