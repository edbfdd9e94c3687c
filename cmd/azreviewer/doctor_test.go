package main

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// TestDoctorExitStatus runs "azreviewer doctor" against the simulator: a
// PAT without a Security scope only warns (exit 0), the write probe is
// asked for by flag or environment, and a refused probe write fails
// (exit 1).
func TestDoctorExitStatus(t *testing.T) {
	tests := []struct {
		name     string
		scopes   []string
		probe    string // --probe-pull-request; "pr" is the test's pull request
		probeEnv bool   // PROBE_PULL_REQUEST instead of the flag
		status   int
		want     []string
	}{
		{"least-privilege PAT, no probe", []string{"vso.code_write", "vso.code_status"}, "", false, 0,
			[]string{"cannot evaluate with this PAT's scopes", "vso.security_manage", "all checks passed (2 warnings)"}},
		{"probe by environment", []string{"vso.code_write", "vso.code_status"}, "pr", true, 0,
			[]string{"Write probe: delete comment", "may contribute to pull requests", "all checks passed"}},
		{"probe with a read-only PAT", []string{"vso.code"}, "pr", false, 1,
			[]string{"lacks a write scope", "checks failed"}},
		{"negative pull request id", nil, "-1", false, 2, []string{"PROBE_PULL_REQUEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			for _, et := range []string{servicehooks.EventPullRequestCreated, servicehooks.EventPullRequestUpdated, servicehooks.EventPullRequestComment} {
				sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: et, URL: "https://reviewer.example/webhooks/azure-devops"})
			}
			sim.Server.LimitScopes(sim.PAT, tt.scopes...)
			probe := tt.probe
			if probe == "pr" {
				probe = strconv.Itoa(pr.ID())
			}
			args := []string{"doctor", "--azdo-org-url", sim.Org.URL(), "--azdo-pat", sim.PAT, "--azdo-max-retries", "-1",
				"--project", sim.Project.Name(), "--repository", sim.Repo.Name(),
				"--webhook-url", "https://reviewer.example/webhooks/azure-devops", "--log-level", "warn"}
			switch {
			case probe != "" && tt.probeEnv:
				t.Setenv("PROBE_PULL_REQUEST", probe)
			case probe != "":
				args = append(args, "--probe-pull-request", probe)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, logs bytes.Buffer
			err := allinone.Main(ctx, args, &out, &logs)
			require.Equal(t, tt.status, app.Exit(err, &logs), "%s%s", out.String(), logs.String())
			for _, s := range tt.want {
				require.Contains(t, out.String()+logs.String(), s)
			}
			require.NotContains(t, out.String()+logs.String(), sim.PAT)
		})
	}
}
