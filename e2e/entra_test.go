package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/jaegertest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// entraMode is one way a review with an Entra identity goes.
type entraMode struct {
	name string
	// make registers the identity and returns its credential's spec, the
	// secrets involved, and what breaks after the credential is built.
	make  func(t testing.TB, e *azdotest.Entra) (credential.Spec, []string)
	brk   func(t testing.TB, s credential.Spec)
	fails bool
	// tags is the one Jaeger search of the documented tag.
	tags      map[string]string
	diagnosis string
}

// TestEntraFailureModesInJaeger: each way an Entra identity fails is
// found in a real Jaeger by its documented tag — azdo.entra.code for a
// refusal with an AADSTS code, error.type for the others — in the trace
// of the webhook, with its fix in azreviewer.diagnosis; and no secret,
// token or assertion reaches Jaeger or a log line.
func TestEntraFailureModesInJaeger(t *testing.T) {
	j := exportToJaeger(t)

	secretSpec := func(t testing.TB, e *azdotest.Entra, level azdosim.AccessLevel) (credential.Spec, []string) {
		p := e.ServicePrincipal("Review Bot", level)
		path, secret := e.SecretFile(t, p, time.Time{})
		return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, []string{secret}
	}
	modes := []entraMode{
		{name: "service principal reviews", tags: map[string]string{"azreviewer.outcome": "reviewed"},
			make: func(t testing.TB, e *azdotest.Entra) (credential.Spec, []string) {
				return secretSpec(t, e, azdosim.AccessBasic)
			}},
		{name: "service principal not a member", fails: true, tags: map[string]string{"error.type": string(azdo.KindNotMember)}, diagnosis: "Organization settings → Users",
			make: func(t testing.TB, e *azdotest.Entra) (credential.Spec, []string) { return secretSpec(t, e, "") }},
		{name: "service principal without Basic access", fails: true, tags: map[string]string{"error.type": string(azdo.KindNoAccessLevel)}, diagnosis: "its access level does not include Repos",
			make: func(t testing.TB, e *azdotest.Entra) (credential.Spec, []string) {
				return secretSpec(t, e, azdosim.AccessStakeholder)
			}},
	}
	for _, f := range azdotest.EntraFailures() {
		tags := map[string]string{"azdo.entra.code": f.Code}
		if f.Code == "" {
			tags = map[string]string{"error.type": string(f.Kind)}
		}
		modes = append(modes, entraMode{name: f.Name, make: f.Make, brk: f.Break, fails: true, tags: tags, diagnosis: f.Fix})
	}

	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var secrets []string
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			sim := azdotest.New(t)
			e := azdotest.NewEntra(t, sim)
			pr := sim.NewPullRequest(base, head)
			spec, s := m.make(t, e)
			secrets = append(secrets, s...)
			cred, err := credential.New(t.Context(), spec, e.Options())
			require.NoError(t, err)
			if m.brk != nil {
				m.brk(t, spec)
			}
			hook := &app.Ingest{Token: fmt.Sprintf("hook-token-entra-%d-3f9b", i)}
			secrets = append(secrets, hook.Token)
			fleet := apptest.Start(t, apptest.Options{OrgURL: sim.Org.URL(), Credential: cred, Hook: hook, Log: log})

			require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook.Token, pr.Event(servicehooks.EventPullRequestCreated)))
			if m.fails {
				require.Eventually(t, func() bool { return messages(fleet.Streams.DeadLetters) == 1 }, 20*time.Second, 20*time.Millisecond, "dead letter")
			} else {
				require.Eventually(t, func() bool { return hasSummary(pr) }, 20*time.Second, 20*time.Millisecond, "summary thread")
			}
			tr := findTrace(t, j, m.tags, sim.Repo.ID())
			requireTree(t, tr)
			if m.diagnosis != "" {
				require.True(t, anySpan(tr, func(s jaegertest.Span) bool {
					d, _ := s.Tags["azreviewer.diagnosis"].(string)
					return strings.Contains(d, m.diagnosis) && s.Tags["azdo.credential"] == cred.Identity()
				}), "a span's azreviewer.diagnosis contains %q and names %s", m.diagnosis, cred.Identity())
			}
			secrets = append(secrets, e.Tokens()...)
		})
	}

	t.Run("no secret, token or assertion reaches Jaeger or the logs", func(t *testing.T) {
		require.NotEmpty(t, secrets)
		traces, err := j.FindTraces(context.Background(), service, nil, len(modes), 10*time.Second)
		require.NoError(t, err)
		stored, err := json.Marshal(traces)
		require.NoError(t, err)
		for _, s := range secrets {
			require.NotContains(t, string(stored), s)
			require.NotContains(t, logs.String(), s)
		}
		require.NotRegexp(t, azdotest.JWT, string(stored), "no assertion or JWT in Jaeger")
		require.NotRegexp(t, azdotest.JWT, logs.String(), "no assertion or JWT in the logs")
		require.Contains(t, logs.String(), "AADSTS7000222", "the logs name the failure")
	})
}

// syncBuffer is a bytes.Buffer safe for the processes' concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
