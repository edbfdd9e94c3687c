package azdosim

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// PullRequestSpec describes a pull request to create.
type PullRequestSpec struct {
	// Title defaults to "Pull request N".
	Title string
	// Description is the pull request's markdown description.
	Description string
	// SourceBranch ("feature" or "refs/heads/feature") defaults to
	// "refs/heads/topic/N".
	SourceBranch string
	// TargetBranch defaults to "refs/heads/main".
	TargetBranch string
	// Base is the commit the pull request is compared against: the target
	// branch head and the common (merge base) commit of every iteration.
	Base string
	// Head is the source branch commit of iteration 1.
	Head string
	// CreatedBy is the pull request's author; an empty ID is derived from
	// the names, and an empty identity becomes "Simulated Author".
	CreatedBy Identity
	// IsDraft marks the pull request as a draft.
	IsDraft bool
}

// PullRequest is a pull request in a Repository.
type PullRequest struct {
	repo *Repository
	id   int

	// Guarded by the server's mutex.
	title, description   string
	sourceRef, targetRef string
	base                 string
	target               string // the target branch's commit ("": base), see MoveTarget
	createdBy            Identity
	isDraft              bool
	created              time.Time
	status               string
	closed               time.Time
	mergeID              uuid.UUID
	iterations           []*iteration
	tracking             map[string]int  // path → changeTrackingId
	threads              []*thread       // oldest first
	threadByID           map[int]*thread // the same threads, by id
	statuses             []*git.GitPullRequestStatus
	lastUpdate           string // what the latest update was, for Event
	dropThreadWrites     bool   // see DropThreadWrites
}

// iteration is one push to a pull request's source branch.
type iteration struct {
	id      int
	source  string
	target  string // the target branch's commit when the iteration was made
	created time.Time
	reason  string
}

// Pull request statuses accepted by SetStatus.
const (
	StatusActive    = "active"
	StatusAbandoned = "abandoned"
	StatusCompleted = "completed"
)

// CreatePullRequest opens an active pull request whose iteration 1 has
// spec.Head as its source commit. Pull request ids are unique per
// organization and start at 1. The source branch is pointed at spec.Head
// and, if it does not exist yet, the target branch at spec.Base. It panics
// if Base or Head is not a commit of r.
func (r *Repository) CreatePullRequest(spec PullRequestSpec) *PullRequest {
	org := r.project.org
	s := org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	base := r.mustCommit(spec.Base)
	r.mustCommit(spec.Head)

	id := org.nextPullRequestID
	org.nextPullRequestID++
	if spec.Title == "" {
		spec.Title = fmt.Sprintf("Pull request %d", id)
	}
	if spec.SourceBranch == "" {
		spec.SourceBranch = fmt.Sprintf("topic/%d", id)
	}
	if spec.TargetBranch == "" {
		spec.TargetBranch = defaultBranch
	}
	if spec.CreatedBy == (Identity{}) {
		spec.CreatedBy = Identity{DisplayName: "Simulated Author", UniqueName: "author@azdosim.example"}
	}
	now := s.now()
	pr := &PullRequest{
		repo:        r,
		id:          id,
		title:       spec.Title,
		description: spec.Description,
		sourceRef:   refName(spec.SourceBranch),
		targetRef:   refName(spec.TargetBranch),
		base:        base.id,
		createdBy:   spec.CreatedBy.normalized(),
		isDraft:     spec.IsDraft,
		created:     now,
		status:      StatusActive,
		mergeID:     uuid.New(),
		tracking:    make(map[string]int),
		lastUpdate:  "created",
	}
	if _, ok := r.branches[pr.targetRef]; !ok {
		r.branches[pr.targetRef] = base.id
	}
	pr.addIteration(spec.Head, string(git.IterationReasonValues.Create), now)
	org.pullRequests[id] = pr
	return pr
}

// ID returns the pull request id.
func (pr *PullRequest) ID() int { return pr.id }

// Repository returns the repository the pull request targets.
func (pr *PullRequest) Repository() *Repository { return pr.repo }

// Head returns the source commit of the latest iteration.
func (pr *PullRequest) Head() string {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	return pr.head()
}

// Push records a push to the source branch: a new iteration whose source
// commit is head (a commit of the repository, else it panics). It returns
// the new iteration's id.
func (pr *PullRequest) Push(head string) int {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr.repo.mustCommit(head)
	it := pr.addIteration(head, string(git.IterationReasonValues.Push), s.now())
	pr.lastUpdate = "push"
	return it.id
}

// MoveTarget records a push to the target branch that the source branch
// has not merged: the branch points at target (a commit of the repository,
// else it panics), and so does the pull request's lastMergeTargetCommit
// and the targetRefCommit of the iterations pushed from now on, as Azure
// DevOps records the target branch's commit with each iteration. The
// common commit, which the diffs are against, stays the pull request's
// base, and no iteration is made.
func (pr *PullRequest) MoveTarget(target string) {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr.repo.mustCommit(target)
	pr.target = target
	pr.repo.branches[pr.targetRef] = target
}

// targetCommit is the target branch's commit as the pull request knows it.
// Requires s.mu.
func (pr *PullRequest) targetCommit() string {
	if pr.target != "" {
		return pr.target
	}
	return pr.base
}

// SetStatus sets the pull request's status: "active", "abandoned" or
// "completed" (see the Status constants); anything else panics. Closing sets
// closedDate; completing also reports the merge as succeeded.
func (pr *PullRequest) SetStatus(status string) {
	switch status {
	case StatusActive, StatusAbandoned, StatusCompleted:
	default:
		panic(fmt.Sprintf("azdosim: invalid pull request status %q", status))
	}
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr.status = status
	if status == StatusActive {
		pr.closed = time.Time{}
	} else {
		pr.closed = s.now()
	}
	pr.lastUpdate = "status"
}

// SetCreated sets the pull request's creationDate, as if it had been
// opened at t: CreatePullRequest takes the simulator's clock, which the
// tests of what a client makes of a pull request's age need to move.
func (pr *PullRequest) SetCreated(t time.Time) {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr.created = t.UTC()
}

func (pr *PullRequest) server() *Server { return pr.repo.project.org.s }

// head returns the latest source commit. Requires s.mu.
func (pr *PullRequest) head() string { return pr.iterations[len(pr.iterations)-1].source }

// addIteration appends an iteration and points the source branch at it.
// Requires s.mu.
func (pr *PullRequest) addIteration(source, reason string, at time.Time) *iteration {
	it := &iteration{id: len(pr.iterations) + 1, source: source, target: pr.targetCommit(), created: at, reason: reason}
	pr.iterations = append(pr.iterations, it)
	pr.repo.branches[pr.sourceRef] = source
	pr.assignTrackingIDs(source)
	return it
}

// iteration returns the iteration with the given id, or nil. Requires s.mu.
func (pr *PullRequest) iteration(id int) *iteration {
	if id < 1 || id > len(pr.iterations) {
		return nil
	}
	return pr.iterations[id-1]
}

// assignTrackingIDs gives every path that differs between the base and
// source commits a changeTrackingId, in path order, so that ids do not
// depend on which iterations clients ask for first. Any path that differs
// between two iterations differs from the base in at least one of them, so
// every change entry finds its id here. Requires s.mu.
func (pr *PullRequest) assignTrackingIDs(source string) {
	changes := diffTrees(pr.repo.commits[pr.base], pr.repo.commits[source])
	for _, ch := range changes {
		pr.trackingID(ch.path)
	}
	for _, ch := range changes {
		if ch.originalPath != "" {
			pr.trackingID(ch.originalPath)
		}
	}
}

// trackingID returns path's changeTrackingId, assigning the next one if it
// has none. Requires s.mu.
func (pr *PullRequest) trackingID(path string) int {
	if id, ok := pr.tracking[path]; ok {
		return id
	}
	id := len(pr.tracking) + 1
	pr.tracking[path] = id
	return id
}
