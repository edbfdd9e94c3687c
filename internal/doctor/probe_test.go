package doctor_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/doctor"
)

func TestDoctorWriteProbe(t *testing.T) {
	t.Parallel()
	const (
		pr      = "Write probe: pull request"
		create  = "Write probe: create thread"
		read    = "Write probe: read back"
		remove  = "Write probe: delete comment"
		missing = 999
	)
	tests := []struct {
		name       string
		setup      func(s *azdotest.Sim)
		probe      int // 0: the pull request made by the test
		want       map[string]doctor.Status
		wantInOut  []string
		wantThread string // "": none left; "deleted", "closed" or "left" (neither)
		wantFailed bool
	}{
		{
			name:       "least-privilege PAT proves its writes",
			setup:      func(s *azdotest.Sim) { s.Server.LimitScopes(s.PAT, "vso.code_write", "vso.code_status") },
			want:       map[string]doctor.Status{pr: doctor.Pass, create: doctor.Pass, read: doctor.Pass, remove: doctor.Pass, "Permission Contribute to pull requests": doctor.Warn},
			wantInOut:  []string{"may contribute to pull requests", "as written", "deleted"},
			wantThread: "deleted",
		},
		{
			name:       "read-only PAT: the write is refused for its scope",
			setup:      func(s *azdotest.Sim) { s.Server.LimitScopes(s.PAT, "vso.code") },
			want:       map[string]doctor.Status{create: doctor.Fail, read: doctor.Skip, remove: doctor.Skip},
			wantInOut:  []string{"lacks a write scope", "Code (Read & Write)"},
			wantFailed: true,
		},
		{
			name:       "PAT owner without Contribute to pull requests",
			setup:      func(s *azdotest.Sim) { s.Repo.Deny(s.User, azdosim.GitPullRequestContribute) },
			want:       map[string]doctor.Status{create: doctor.Fail, read: doctor.Skip, remove: doctor.Skip},
			wantInOut:  []string{`Grant "Contribute to pull requests"`},
			wantFailed: true,
		},
		{
			name:       "deletion refused: the thread is closed instead",
			setup:      func(s *azdotest.Sim) { s.Server.FailRequests("git.comments.delete", 1, 500, 0) },
			want:       map[string]doctor.Status{create: doctor.Pass, read: doctor.Pass, remove: doctor.Warn},
			wantInOut:  []string{"deleting the comment was refused", "closed instead", "by hand"},
			wantThread: "closed",
		},
		{
			name: "neither deleted nor closed",
			setup: func(s *azdotest.Sim) {
				s.Server.FailRequests("git.comments.delete", 1, 500, 0)
				s.Server.FailRequests("git.threads.update", 1, 500, 0)
			},
			want:       map[string]doctor.Status{create: doctor.Pass, remove: doctor.Fail},
			wantInOut:  []string{"and so was closing thread", "by hand"},
			wantThread: "left",
			wantFailed: true,
		},
		{
			name:       "thread acknowledged but dropped",
			setup:      func(s *azdotest.Sim) { s.Org.PullRequest(1).DropThreadWrites(true) },
			want:       map[string]doctor.Status{create: doctor.Pass, read: doctor.Fail, remove: doctor.Skip},
			wantInOut:  []string{"did not keep"},
			wantFailed: true,
		},
		{
			name:       "unknown pull request",
			setup:      func(*azdotest.Sim) {},
			probe:      missing,
			want:       map[string]doctor.Status{pr: doctor.Fail, create: doctor.Skip, read: doctor.Skip, remove: doctor.Skip},
			wantInOut:  []string{"Not found"},
			wantFailed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			p := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			allHooks(sim)
			tt.setup(sim)
			client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			probe := p.ID()
			if tt.probe != 0 {
				probe = tt.probe
			}

			checks := doctor.Run(context.Background(), client, doctor.Config{
				Project: sim.Project.Name(), Repository: sim.Repo.Name(), WebhookURL: hookURL, ProbePullRequest: probe,
			})
			got := map[string]doctor.Status{}
			for _, c := range checks {
				got[c.Name] = c.Status
			}
			for name, status := range tt.want {
				require.Equal(t, status, got[name], "check %q in %+v", name, checks)
			}
			require.NotContains(t, got, "PAT write scope", "the probe replaces the skipped write check")
			require.Equal(t, tt.wantFailed, doctor.Failed(checks), "%+v", checks)
			var out bytes.Buffer
			doctor.Print(&out, checks)
			for _, s := range tt.wantInOut {
				require.Contains(t, out.String(), s)
			}

			threads := p.Threads()
			if tt.wantThread == "" {
				require.Empty(t, threads, "nothing is left on the pull request")
				return
			}
			require.Len(t, threads, 1)
			th := threads[0]
			require.Equal(t, doctor.ProbeText, *(*th.Comments)[0].Content, "the probe says what it is")
			switch tt.wantThread {
			case "deleted":
				require.True(t, *(*th.Comments)[0].IsDeleted)
			case "closed":
				require.False(t, *(*th.Comments)[0].IsDeleted)
				require.Equal(t, "closed", string(*th.Status))
			case "left":
				require.False(t, *(*th.Comments)[0].IsDeleted)
				require.Nil(t, th.Status)
			}
		})
	}
}

var _ doctor.Prober = (*azdotest.Fake)(nil)

// TestProbeDecisions: the probe's verdicts on answers the simulator has no
// fault for, against azdotest.Fake: both the deletion and the closing of the
// probe refused, and a write acknowledged but not kept.
func TestProbeDecisions(t *testing.T) {
	t.Parallel()
	refused := &azdo.Error{Kind: azdo.KindForbidden, StatusCode: 403, Message: "TF401027: You need the Git 'PullRequestContribute' permission to perform this action."}
	tests := []struct {
		name      string
		tune      func(*azdotest.Fake)
		want      []doctor.Status
		wantInOut string
		wantCalls []string
	}{
		{"deletion and closing refused", func(f *azdotest.Fake) { f.DeleteCommentError, f.UpdateThreadError = refused, refused },
			[]doctor.Status{doctor.Pass, doctor.Pass, doctor.Pass, doctor.Fail}, "Delete thread 1 of pull request 1 by hand",
			[]string{"PullRequest", "CreateThread", "Threads", "DeleteComment", "UpdateThreadStatus"}},
		{"write acknowledged, not kept", func(f *azdotest.Fake) { f.DropWrites = true },
			[]doctor.Status{doctor.Pass, doctor.Pass, doctor.Fail, doctor.Skip}, "acknowledged a write it did not keep",
			[]string{"PullRequest", "CreateThread", "Threads"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := azdotest.NewFake(nil, nil)
			tt.tune(f)
			checks := doctor.Probe(context.Background(), f, azdo.PullRequestRef{Project: "p", RepositoryID: "r", ID: 1})
			var got []doctor.Status
			var out bytes.Buffer
			for _, c := range checks {
				got = append(got, c.Status)
				out.WriteString(c.Detail + " " + c.Fix + "\n")
			}
			require.Equal(t, tt.want, got)
			require.Contains(t, out.String(), tt.wantInOut)
			require.Equal(t, tt.wantCalls, f.Calls)
			require.Equal(t, []azdo.Thread{{Comments: []azdo.Comment{{Content: doctor.ProbeText}}}}, f.Created, "the probe's one write")
		})
	}
}
