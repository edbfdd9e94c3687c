package azdo_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// series finds the metric of family name whose labels include want.
func series(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) *dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

// The client's metrics count each attempt by route and status (the 429
// and its resend apart), the resend, the failed write, and the time the
// limiter's Retry-After pause held a request back.
func TestClientMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	post := &fault{method: http.MethodPost, path: "/threads", answers: []int{503}, header: http.Header{"Retry-After": {"2"}}}
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1, Metrics: azdo.NewMetrics(reg)}, post.handler)
	post.arm()

	f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
	require.NoError(t, f.readPR(context.Background()))                                  // 429, then 200
	requireKind(t, f.createThread(context.Background()), azdo.KindTransient, f.sim.PAT) // 503 + Retry-After 2: not resent
	require.NoError(t, f.readPR(context.Background()))                                  // waits 2 s in the limiter

	pr := "_apis/git/repositories/{id}/pullRequests/{id}"
	threads := pr + "/threads"
	for _, tt := range []struct {
		method, route, code string
		want                float64
	}{
		{"GET", pr, "200", 3}, // the fixture's warm-up read, the resend, the last read
		{"GET", pr, "429", 1},
		{"POST", threads, "503", 1},
	} {
		m := series(t, reg, "azreviewer_azdo_requests_total", map[string]string{"method": tt.method, "route": tt.route, "code": tt.code})
		require.NotNil(t, m, "%s %s %s", tt.method, tt.route, tt.code)
		require.Equal(t, tt.want, m.GetCounter().GetValue(), "%s %s %s", tt.method, tt.route, tt.code)
	}
	retries := series(t, reg, "azreviewer_azdo_retries_total", map[string]string{"method": "GET", "route": pr})
	require.NotNil(t, retries)
	require.Equal(t, 1.0, retries.GetCounter().GetValue())
	require.Nil(t, series(t, reg, "azreviewer_azdo_retries_total", map[string]string{"method": "POST"}), "a POST is not resent after a 503")

	latency := series(t, reg, "azreviewer_azdo_request_duration_seconds", map[string]string{"method": "GET", "route": pr})
	require.NotNil(t, latency)
	require.EqualValues(t, 4, latency.GetHistogram().GetSampleCount())

	wait := series(t, reg, "azreviewer_azdo_limiter_wait_seconds", nil)
	require.NotNil(t, wait)
	require.EqualValues(t, 6, wait.GetHistogram().GetSampleCount(), "one wait per attempt")
	// The 503's Retry-After (2 s) paused the next read in the limiter; the
	// resend after the 429 waited in the retrier's backoff, not counted here.
	require.GreaterOrEqual(t, wait.GetHistogram().GetSampleSum(), 2.0)
	require.Less(t, wait.GetHistogram().GetSampleSum(), 3.0)
}

// Two Clients sharing one Metrics label their series with their own
// organisation: ForOrg's name, or the URL's last segment by default; the
// org label's values are those of the Clients built, and Forget drops one.
func TestMetricsOrgLabel(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	metrics := azdo.NewMetrics(reg)
	f := newFixture(t, azdo.Config{Metrics: metrics.ForOrg("fabrikam")}, nil)
	other := f.sim.Server.AddOrg("Contoso")
	repo := other.AddProject("P").AddRepository("R")
	pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title: "t", SourceBranch: "feature", TargetBranch: "main",
		Base: repo.Commit(map[string]string{"/a": "1\n"}), Head: repo.Commit(map[string]string{"/a": "2\n"}), CreatedBy: f.sim.Author,
	})
	c, err := azdo.New(azdo.Config{OrgURL: other.URL(), PAT: f.sim.PAT, Metrics: metrics})
	require.NoError(t, err)
	_, err = c.PullRequest(context.Background(), azdo.PullRequestRef{Project: "P", RepositoryID: repo.ID(), ID: pr.ID()})
	require.NoError(t, err)

	route := "_apis/git/repositories/{id}/pullRequests/{id}"
	for _, org := range []string{"fabrikam", "contoso"} {
		m := series(t, reg, "azreviewer_azdo_requests_total", map[string]string{"org": org, "route": route, "code": "200"})
		require.NotNil(t, m, org)
		require.Equal(t, 1.0, m.GetCounter().GetValue(), org)
		require.NotNil(t, series(t, reg, "azreviewer_azdo_limiter_wait_seconds", map[string]string{"org": org}), org)
	}
	require.Equal(t, []string{"contoso", "fabrikam"}, orgLabels(t, reg))

	metrics.Forget("contoso")
	require.Equal(t, []string{"fabrikam"}, orgLabels(t, reg))
}

// orgLabels lists the org label's values over every azdo series.
func orgLabels(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == azdo.LabelOrg {
					seen[l.GetValue()] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
