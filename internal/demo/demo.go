package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// Names of the sample organisation, project and repository.
const (
	OrgName     = "Fabrikam Fiber"
	ProjectName = "Web Platform"
	RepoName    = "web-app"
)

// Scenario is a running simulator seeded with the sample pull request.
type Scenario struct {
	Sim *azdosim.Server
	Org *azdosim.Org
	PR  *azdosim.PullRequest
	// PAT is the reviewer bot's token on the simulator.
	PAT string
}

// Start starts the simulator on a loopback port and seeds it.
func Start() (*Scenario, error) {
	base, err := tree("base")
	if err != nil {
		return nil, fmt.Errorf("read sample: %w", err)
	}
	head, err := tree("head")
	if err != nil {
		return nil, fmt.Errorf("read sample: %w", err)
	}
	sim, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start Azure DevOps simulator: %w", err)
	}
	pat := RandomSecret()
	sim.AddPAT(pat, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "azreviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := sim.AddOrg(OrgName)
	repo := org.AddProject(ProjectName).AddRepository(RepoName)
	pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title:        "Add cart totals and storage settings",
		Description:  "Computes cart totals and configures asset storage.",
		SourceBranch: "feature/cart-totals",
		TargetBranch: "main",
		Base:         repo.Commit(base),
		Head:         repo.Commit(head),
		CreatedBy:    azdosim.Identity{ID: "11bb11bb-cc22-dd33-ee44-55ff55ff55ff", DisplayName: "Jamal Hartnett", UniqueName: "jamal@fabrikam.example"},
	})
	return &Scenario{Sim: sim, Org: org, PR: pr, PAT: pat}, nil
}

// Close stops the simulator.
func (s *Scenario) Close() error { return s.Sim.Close() }

// Webhook is where and how to deliver a service hook.
type Webhook struct {
	URL           string // full URL of the webhook endpoint, without ?token=
	BasicUser     string
	BasicPassword string
	Token         string
}

// SendWebhook posts the pull request's git.pullrequest.created event the
// way Azure DevOps does and returns the HTTP status.
func (s *Scenario) SendWebhook(ctx context.Context, hook Webhook) (int, error) {
	target := hook.URL
	if hook.Token != "" {
		target += "?token=" + hook.Token
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(s.PR.Event("git.pullrequest.created")))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if hook.BasicUser != "" {
		req.SetBasicAuth(hook.BasicUser, hook.BasicPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// WaitForReview polls the simulator until the review's summary thread is
// there, and returns every thread azreviewer posted.
func (s *Scenario) WaitForReview(ctx context.Context) ([]git.GitPullRequestCommentThread, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		threads := s.PR.Threads()
		for _, t := range threads {
			if azdo.ThreadProperty(t, worker.PropSummary) != "" {
				return threads, nil
			}
		}
		select {
		case <-ctx.Done():
			return threads, fmt.Errorf("the review did not complete: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// RandomSecret returns a random token for the demo's PAT and webhook
// credentials.
func RandomSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
