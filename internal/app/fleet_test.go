package app_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestTwoFleetsShareOneServer runs two fleets, FLEET_NAME a and b, each an
// ingest and a worker for its own Azure DevOps organisation, on one
// nats-server: every webhook is reviewed by its own fleet, and no worker
// ever sees (and skips, and acks) the other fleet's requests. With one
// stream and consumer for both, about half the requests would reach the
// other organisation's worker and never be reviewed.
func TestTwoFleetsShareOneServer(t *testing.T) {
	t.Parallel()
	const prsPerFleet = 3
	type member struct {
		names fleet.Names
		sim   *azdotest.Sim
		fleet *apptest.Fleet
		prs   []*azdosim.PullRequest
	}
	var members []*member
	for _, name := range []string{"a", "b"} {
		names, err := fleet.New(name)
		require.NoError(t, err)
		members = append(members, &member{names: names, sim: azdotest.New(t)})
	}
	hook := &app.Ingest{Token: "fleet-token-0c4d21"}
	members[0].fleet = apptest.Start(t, apptest.Options{OrgURL: members[0].sim.Org.URL(), PAT: members[0].sim.PAT, Hook: hook, Fleet: members[0].names})
	members[1].fleet = apptest.Start(t, apptest.Options{OrgURL: members[1].sim.Org.URL(), PAT: members[1].sim.PAT, Hook: hook, Fleet: members[1].names,
		On: members[0].fleet.Streams})
	require.Same(t, members[0].fleet.Streams.Server, members[1].fleet.Streams.Server, "one nats-server")

	for _, m := range members {
		for range prsPerFleet {
			pr := m.sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
			m.prs = append(m.prs, pr)
			d := deliver(t, m.fleet.WebhookURL, hook, pr.Event(servicehooks.EventPullRequestCreated))
			require.Equal(t, http.StatusAccepted, d.status)
		}
	}
	for _, m := range members {
		for _, pr := range m.prs {
			threads := waitForSummary(t, pr)
			require.Len(t, threads, 2, "fleet %s: the finding and the summary", m.names)
		}
	}
	for _, m := range members {
		// A summary is visible before its review ends (the read-back, the
		// status and the state come after it): wait for the reviews.
		require.Eventually(t, func() bool {
			return counter(t, m.fleet.Registry, "azreviewer_reviews_total", "outcome", "reviewed") >= prsPerFleet
		}, 20*time.Second, 10*time.Millisecond, "fleet %s: every review ends", m.names)
	}
	for _, m := range members {
		st := m.fleet.Streams
		require.Equal(t, m.names.ReviewStream(), st.Stream.CachedInfo().Config.Name)
		info, err := st.Consumer.Info(t.Context())
		require.NoError(t, err)
		require.EqualValues(t, prsPerFleet, info.Delivered.Consumer, "fleet %s's consumer delivered its own requests only, once each", m.names)
		require.Equal(t, float64(prsPerFleet), counter(t, m.fleet.Registry, "azreviewer_reviews_total", "outcome", "reviewed"), "fleet %s", m.names)
		require.Zero(t, counter(t, m.fleet.Registry, "azreviewer_review_skips_total", "reason", "other_organisation"), "fleet %s", m.names)
	}
}

// counter is the value of the counter name{label=value} in reg, 0 when it
// has no such series.
func counter(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestDeadLettersOfOneFleet: "worker dead-letters" with FLEET_NAME works on
// that fleet's dead letters and replays them to that fleet's review
// stream, leaving the default fleet's alone.
func TestDeadLettersOfOneFleet(t *testing.T) {
	t.Parallel()
	b := apptest.NewBroker(t)
	nc, err := b.Connect("dead-letters")
	require.NoError(t, err)
	defer nc.Close()
	ctx := t.Context()
	names, err := fleet.New("b")
	require.NoError(t, err)
	mine, err := apptest.Provision(ctx, nc, streams.Config{Fleet: names})
	require.NoError(t, err)
	other, err := apptest.Provision(ctx, nc, streams.Config{})
	require.NoError(t, err)
	req := eventstest.Request(7, "c")
	data, err := req.Marshal()
	require.NoError(t, err)
	dead := &nats.Msg{Subject: names.DeadLetterSubjectPrefix() + "repo-1.7", Data: data, Header: nats.Header{}}
	dead.Header.Set(deadletter.HeaderOriginalSubject, req.Subject(names))
	_, err = mine.JS.PublishMsg(ctx, dead)
	require.NoError(t, err)

	flags := []string{"--nats-url", b.URL, "--fleet-name", "b", "--log-level", "error"}
	var out bytes.Buffer
	require.NoError(t, app.WorkerMain(ctx, append([]string{"dead-letters", "list"}, flags...), &out, io.Discard))
	require.Contains(t, out.String(), "!7", "fleet b's dead letter is listed")
	out.Reset()
	require.NoError(t, app.WorkerMain(ctx, append([]string{"dead-letters", "replay"}, append(flags, "1")...), &out, io.Discard))

	for _, tt := range []struct {
		stream jetstream.Stream
		want   uint64
	}{{mine.Stream, 1}, {mine.DeadLetters, 0}, {other.Stream, 0}, {other.DeadLetters, 0}} {
		info, err := tt.stream.Info(ctx)
		require.NoError(t, err)
		require.Equal(t, tt.want, info.State.Msgs, "stream %s", info.Config.Name)
	}
	got, err := mine.Stream.GetLastMsgForSubject(ctx, "b.review.repo-1.7")
	require.NoError(t, err)
	require.Equal(t, data, got.Data)
}
