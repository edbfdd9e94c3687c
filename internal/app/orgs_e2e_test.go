package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// credentialKind makes an organisation's identity in the simulator and the
// credential key of the organisations file that authenticates as it there,
// and only there.
type credentialKind func(t *testing.T, sim *azdotest.Sim, org *azdosim.Org, who azdosim.Identity) (yaml string)

// patInline is a PAT written in the file.
func patInline(t *testing.T, sim *azdotest.Sim, org *azdosim.Org, who azdosim.Identity) string {
	pat := sim.NewPAT(who)
	sim.Server.LimitPATToOrgs(pat, org.Name())
	return fmt.Sprintf("{pat: %q}", pat)
}

// patFile is a PAT in a file of its own.
func patFile(t *testing.T, sim *azdotest.Sim, org *azdosim.Org, who azdosim.Identity) string {
	pat := sim.NewPAT(who)
	sim.Server.LimitPATToOrgs(pat, org.Name())
	path := filepath.Join(t.TempDir(), org.Name()+"-pat")
	require.NoError(t, os.WriteFile(path, []byte(pat+"\n"), 0o600))
	return fmt.Sprintf("{pat_file: %q}", path)
}

// servicePrincipal is a Microsoft Entra ID application with a client secret
// in a file, a member of the organisation with Basic access, of no other.
func servicePrincipal(e *azdotest.Entra) credentialKind {
	return func(t *testing.T, sim *azdotest.Sim, org *azdosim.Org, who azdosim.Identity) string {
		p := sim.Server.AddServicePrincipal(e.TenantID, uuid.NewString(), who)
		org.AddMember(p, azdosim.AccessBasic)
		path, _ := e.SecretFile(t, p, time.Time{})
		return fmt.Sprintf("{service_principal: {tenant_id: %s, client_id: %s, client_secret_file: %q}}", e.TenantID, p.ClientID(), path)
	}
}

// TestOneFleetReviewsTwoOrganisations: one fleet (ingest and a worker,
// JetStream, the real SDK against the simulator) configured by an
// organisations file reviews the pull requests of two organisations, each
// with its own credential, valid in its organisation only: every call to
// an organisation carried its own credential (the simulator's request log
// names the identity of each), none was refused, and a delivery naming a
// third organisation, which the simulator serves but the file does not
// list, is answered 200 and ignored, with nothing sent to it.
func TestOneFleetReviewsTwoOrganisations(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	// The simulator's own PAT is valid in none of these organisations.
	sim.Server.LimitPATToOrgs(sim.PAT, azdotest.OrgName)
	entra := azdotest.NewEntra(t, sim)
	type organisation struct {
		name       string
		credential credentialKind
		who        azdosim.Identity
		org        *azdosim.Org
		pr         *azdosim.PullRequest
	}
	configured := []*organisation{
		{name: "alpha", credential: patInline, who: azdosim.Identity{UniqueName: "reviewer@alpha.example"}},
		{name: "beta", credential: patFile, who: azdosim.Identity{UniqueName: "reviewer@beta.example"}},
		{name: "delta", credential: servicePrincipal(entra), who: azdosim.Identity{DisplayName: "azreviewer-app", UniqueName: "azreviewer-app@delta.example"}},
	}
	third := &organisation{name: "gamma", credential: patInline, who: azdosim.Identity{UniqueName: "reviewer@gamma.example"}}

	var file strings.Builder
	file.WriteString("organizations:\n")
	for _, o := range append(configured, third) {
		o.org = sim.Server.AddOrg(o.name)
		repo := o.org.AddProject("Web").AddRepository("site")
		o.pr = repo.CreatePullRequest(azdosim.PullRequestSpec{
			Title: "Add feature", SourceBranch: "feature", TargetBranch: "main", CreatedBy: sim.Author,
			Base: repo.Commit(map[string]string{"/a.js": "let a;\n"}),
			Head: repo.Commit(map[string]string{"/a.js": "let a;\nconsole.log(a);\n"}),
		})
		cred := o.credential(t, sim, o.org, o.who)
		if o != third {
			fmt.Fprintf(&file, "  - url: %s\n    credential: %s\n", o.org.URL(), cred)
		}
	}
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	require.NoError(t, os.WriteFile(path, []byte(file.String()), 0o600))

	hook := &app.Ingest{Token: "orgs-hook-token-2a7c"}
	entraOpts := entra.Options()
	fleet := apptest.Start(t, apptest.Options{OrgsFile: path, Hook: hook, CredentialOptions: &entraOpts})

	ignored := deliver(t, fleet.WebhookURL, hook, third.pr.Event(servicehooks.EventPullRequestCreated))
	require.Equal(t, http.StatusOK, ignored.status)
	require.Equal(t, "ignored", ignored.body.Status)
	for _, o := range configured {
		d := deliver(t, fleet.WebhookURL, hook, o.pr.Event(servicehooks.EventPullRequestCreated))
		require.Equal(t, http.StatusAccepted, d.status, o.name)
	}
	for _, o := range configured {
		threads := waitForSummary(t, o.pr)
		require.Len(t, threads, 2, "%s: the finding and the summary", o.name)
	}

	calls := map[string]int{}
	for _, r := range sim.Server.Requests() {
		org, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
		calls[org]++
		for _, o := range append(configured, third) {
			if strings.EqualFold(org, o.name) {
				require.Equal(t, o.who.UniqueName, r.Caller, "%s %s: the organisation's own credential", r.Method, r.Path)
			}
		}
		require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, r.Status, "%s %s", r.Method, r.Path)
	}
	for _, o := range configured {
		require.Positive(t, calls[o.name], o.name)
	}
	require.Zero(t, calls[third.name], "nothing is sent to an organisation the file does not list")
	require.Zero(t, counter(t, fleet.Registry, "azreviewer_review_skips_total", "reason", "other_organisation"), "ingest kept the third organisation's event out")
	for _, o := range configured {
		require.Positive(t, counter(t, fleet.Registry, "azreviewer_azdo_requests_total", "org", o.name), "the org label names %s", o.name)
	}
}
