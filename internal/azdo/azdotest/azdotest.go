// Package azdotest has the two stand-ins for Azure DevOps in tests. New
// gives every test its own azdosim server with one organization, project,
// repository and a valid PAT, and stops it when the test ends: the real
// SDK speaks HTTP to it, for tests that must prove the requests. Fake is a
// plain struct with the client's methods, for tests of a consumer's own
// decisions, without HTTP.
package azdotest

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
)

// Names of the fixture New creates. They contain spaces and mixed case on
// purpose, to catch code that forgets to escape or lowercases them.
const (
	OrgName     = "Fabrikam Fiber"
	ProjectName = "My Project"
	RepoName    = "Web App"
)

// User returns the identity New registers the PAT for (the reviewer bot).
func User() azdosim.Identity {
	return azdosim.Identity{
		ID:          "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01",
		DisplayName: "Azure Reviewer",
		UniqueName:  "azreviewer@fabrikam.example",
	}
}

// Author returns a human identity, the author of pull requests opened with
// Sim.NewPullRequest.
func Author() azdosim.Identity {
	return azdosim.Identity{
		ID:          "11bb11bb-cc22-dd33-ee44-55ff55ff55ff",
		DisplayName: "Jamal Hartnett",
		UniqueName:  "jamal@fabrikam.example",
	}
}

// Sim bundles a started simulator with one org, project, repository and a
// valid PAT.
type Sim struct {
	// Server is the running simulator.
	Server *azdosim.Server
	// Org is the organization "Fabrikam Fiber".
	Org *azdosim.Org
	// Project is the project "My Project".
	Project *azdosim.Project
	// Repo is the repository "Web App".
	Repo *azdosim.Repository
	// PAT authenticates as User in every organization of Server.
	PAT string
	// User is the PAT's identity, User().
	User azdosim.Identity
	// Author is a second identity, Author(), the author of pull requests
	// made with NewPullRequest.
	Author azdosim.Identity
}

// New starts a simulator on a loopback port, registers a random PAT for the
// User identity, creates the org "Fabrikam Fiber", project "My Project" and
// repository "Web App", and closes the server when the test ends.
func New(t testing.TB) *Sim {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatalf("azdotest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Server.Close(); err != nil {
			t.Errorf("azdotest: close simulator: %v", err)
		}
	})
	return s
}

// Start is New outside a test (a benchmark): the caller closes Server.
func Start() (*Sim, error) {
	srv, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	pat := newPAT()
	srv.AddPAT(pat, User())
	org := srv.AddOrg(OrgName)
	project := org.AddProject(ProjectName)
	return &Sim{
		Server:  srv,
		Org:     org,
		Project: project,
		Repo:    project.AddRepository(RepoName),
		PAT:     pat,
		User:    User(),
		Author:  Author(),
	}, nil
}

// Connection returns a new SDK connection to the org, authenticated with
// the PAT.
func (s *Sim) Connection() *azuredevops.Connection {
	return azuredevops.NewPatConnection(s.Org.URL(), s.PAT)
}

// NewPAT registers a new random PAT for who (for example Author, or a
// second bot identity) in every organization of Server and returns it.
func (s *Sim) NewPAT(who azdosim.Identity) string {
	pat := newPAT()
	s.Server.AddPAT(pat, who)
	return pat
}

// ConnectionWith returns a new SDK connection to the org, authenticated
// with pat.
func (s *Sim) ConnectionWith(pat string) *azuredevops.Connection {
	return azuredevops.NewPatConnection(s.Org.URL(), pat)
}

// NewPullRequest commits base and head (path → content) to the repository
// and opens a pull request from "feature" into "main" by Author whose
// iteration 1 is head.
func (s *Sim) NewPullRequest(base, head map[string]string) *azdosim.PullRequest {
	return s.Repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title:        "Add feature",
		Description:  "Adds the feature.",
		SourceBranch: "feature",
		TargetBranch: "main",
		Base:         s.Repo.Commit(base),
		Head:         s.Repo.Commit(head),
		CreatedBy:    s.Author,
	})
}

// newPAT returns a random token shaped like an Azure DevOps PAT: 52
// lowercase base32 characters.
func newPAT() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:52]
}
