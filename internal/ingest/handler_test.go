package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

const (
	user     = "azure-devops"
	password = "pa55-word-1f0e"
	token    = "tok-4b7c9d"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../servicehooks/testdata/" + name)
	require.NoError(t, err)
	return b
}

type bundle struct {
	url    string
	stream *eventstest.Bundle
	reg    *prometheus.Registry
	logs   *bytes.Buffer
}

func setup(t *testing.T, cfg ingest.Config) *bundle {
	t.Helper()
	b := eventstest.Start(t, streams.Config{Memory: true})
	reg := prometheus.NewRegistry()
	logs := &bytes.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	h, err := ingest.NewHandler(cfg, events.NewPublisher(b.JS, fleet.Names{}), reg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &bundle{url: srv.URL + ingest.WebhookPath, stream: b, reg: reg, logs: logs}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func post(t *testing.T, url string, body []byte, auth func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header}
	require.NoError(t, json.Unmarshal(raw, &a.body), string(raw))
	return a
}

func basic(u, p string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(u, p) }
}

func messages(t *testing.T, b *bundle) uint64 {
	t.Helper()
	info, err := b.stream.Stream.Info(context.Background())
	require.NoError(t, err)
	return info.State.Msgs
}

func TestHandlerAnswers(t *testing.T) {
	t.Parallel()
	created := sample(t, "git.pullrequest.created.json")
	tests := []struct {
		name        string
		query       string
		auth        func(*http.Request)
		body        []byte
		wantStatus  int
		wantOutcome string
		wantStored  uint64
		wantField   string
	}{
		{"pull request created is queued", "?token=" + token, basic(user, password), created, 202, "accepted", 1, ""},
		{"comment is queued", "?token=" + token, basic(user, password), sample(t, "ms.vss-code.git-pullrequest-comment-event.json"), 202, "accepted", 1, ""},
		{"completed pull request is ignored with 200", "?token=" + token, basic(user, password), sample(t, "git.pullrequest.updated.json"), 200, "ignored", 0, ""},
		{"push is ignored with 200", "?token=" + token, basic(user, password), sample(t, "git.push.json"), 200, "ignored", 0, ""},
		{"merge attempt is ignored with 200", "?token=" + token, basic(user, password), sample(t, "git.pullrequest.merged.json"), 200, "ignored", 0, ""},
		{"no credentials", "", nil, created, 401, "unauthorized", 0, ""},
		{"wrong password", "?token=" + token, basic(user, "nope"), created, 401, "unauthorized", 0, ""},
		{"wrong user", "?token=" + token, basic("someone", password), created, 401, "unauthorized", 0, ""},
		{"basic without token", "", basic(user, password), created, 401, "unauthorized", 0, ""},
		{"token without basic", "?token=" + token, nil, created, 401, "unauthorized", 0, ""},
		{"wrong token", "?token=" + token + "x", basic(user, password), created, 401, "unauthorized", 0, ""},
		{"not json", "?token=" + token, basic(user, password), []byte("<html/>"), 400, "bad_request", 0, ""},
		{"missing event type", "?token=" + token, basic(user, password), []byte(`{"id":"1","resource":{}}`), 400, "bad_request", 0, "eventType"},
		{"pull request without repository", "?token=" + token, basic(user, password),
			[]byte(`{"id":"1","eventType":"git.pullrequest.created","resource":{"pullRequestId":4}}`), 400, "bad_request", 0, "resource.repository"},
		{"body over the limit", "?token=" + token, basic(user, password), bytes.Repeat([]byte(" "), 2<<20+1), 413, "too_large", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, ingest.Config{BasicUser: user, BasicPassword: password, Token: token})
			a := post(t, b.url+tt.query, tt.body, tt.auth)
			require.Equal(t, tt.wantStatus, a.status, a.body)
			require.Equal(t, tt.wantStored, messages(t, b))
			if tt.wantField != "" {
				require.Equal(t, tt.wantField, a.body["field"])
			}
			if tt.wantStatus == 401 {
				require.Contains(t, a.header.Get("WWW-Authenticate"), "Basic")
			}
			require.Equal(t, 1.0, delivered(t, b.reg, tt.wantOutcome), "one delivery counted as %s", tt.wantOutcome)
			require.NotContains(t, b.logs.String(), password)
			require.NotContains(t, b.logs.String(), token)
		})
	}
}

// delivered sums the webhook counter over event types for one outcome.
func delivered(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var total float64
	for _, mf := range mfs {
		if mf.GetName() != "azreviewer_ingest_webhooks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

func TestHandlerDuplicateDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Config{Token: token})
	body := sample(t, "git.pullrequest.created.json")
	first := post(t, b.url+"?token="+token, body, nil)
	second := post(t, b.url+"?token="+token, body, nil)
	require.Equal(t, 202, first.status)
	require.Equal(t, 202, second.status)
	require.Nil(t, first.body["duplicate"])
	require.Equal(t, true, second.body["duplicate"])
	require.EqualValues(t, 1, messages(t, b))
	require.EqualValues(t, map[string]uint64{"stored": 1, "duplicate": 1, "failed": 0}, publishes(t, b.reg))
}

// publishes counts the publish-latency observations by result.
func publishes(t *testing.T, reg *prometheus.Registry) map[string]uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "azreviewer_ingest_publish_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
		}
	}
	return out
}

func TestHandlerJetStreamUnavailable(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Config{Token: token, PublishTimeout: 300 * time.Millisecond})
	b.stream.Server.Shutdown()
	a := post(t, b.url+"?token="+token, sample(t, "git.pullrequest.created.json"), nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	require.NotEmpty(t, a.header.Get("Retry-After"))
	require.EqualValues(t, 1, publishes(t, b.reg)["failed"])
}

func TestConfigRefusesNoAuthentication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         ingest.Config
		wantErr     error
		wantSetting string
	}{
		{name: "nothing configured", cfg: ingest.Config{}, wantErr: ingest.ErrNoAuthentication},
		{name: "user without password", cfg: ingest.Config{BasicUser: "u", Token: "t"}, wantSetting: "BasicPassword"},
		{name: "password without user", cfg: ingest.Config{BasicPassword: "p", Token: "t"}, wantSetting: "BasicUser"},
		{name: "insecure allowed", cfg: ingest.Config{InsecureNoAuth: true}},
		{name: "token only", cfg: ingest.Config{Token: "t"}},
		{name: "in-flight budget below the body limit", cfg: ingest.Config{Token: "t", MaxInFlightBytes: 1 << 20}, wantSetting: "MaxInFlightBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			case tt.wantSetting != "":
				var se *ingest.SettingError
				require.ErrorAs(t, err, &se)
				require.Equal(t, tt.wantSetting, se.Setting)
			default:
				require.NoError(t, err)
				return
			}
			require.NotRegexp(t, `WEBHOOK_|INGEST_`, err.Error(), "the library names no environment variable")
		})
	}
}

func TestInsecureNoAuthAcceptsAnonymousDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Config{InsecureNoAuth: true})
	a := post(t, b.url, sample(t, "git.pullrequest.created.json"), nil)
	require.Equal(t, 202, a.status)
	require.True(t, strings.HasPrefix(a.body["msg_id"].(string), "pr:"))
}

// TestWebhookSeriesExistFromTheStart: every outcome of every counted event
// type is exported at 0 before it first happens, so an alert on increase()
// sees the first refused or failed delivery.
func TestWebhookSeriesExistFromTheStart(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Config{Token: token})
	mfs, err := b.reg.Gather()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "azreviewer_ingest_webhooks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			require.Zero(t, m.GetCounter().GetValue())
			seen[labels["event_type"]+"/"+labels["outcome"]] = true
		}
	}
	for _, want := range []string{"/unauthorized", "git.pullrequest.created/accepted", "git.pullrequest.updated/queue_full",
		"ms.vss-code.git-pullrequest-comment-event/unavailable", "other/ignored"} {
		require.True(t, seen[want], want)
	}
}
