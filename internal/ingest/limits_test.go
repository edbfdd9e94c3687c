package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// setupStream is setup with the review stream's limits of cfg.
func setupStream(t *testing.T, cfg ingest.Config, stream streams.Config) *bundle {
	t.Helper()
	return setupServer(t, broker.Options{}, cfg, stream)
}

// setupServer is setupStream on a server started with opts.
func setupServer(t *testing.T, opts broker.Options, cfg ingest.Config, stream streams.Config) *bundle {
	t.Helper()
	stream.Memory = true
	b := eventstest.StartServer(t, opts, stream)
	reg := prometheus.NewRegistry()
	cfg.Logger = slog.New(slog.DiscardHandler)
	h, err := ingest.NewHandler(cfg, events.NewPublisher(b.JS, fleet.Names{}), reg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &bundle{url: srv.URL + ingest.WebhookPath, stream: b, reg: reg}
}

// edit returns the sample with the field at path (JSON keys) set to value.
func edit(t *testing.T, body []byte, value any, path ...string) []byte {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	m := doc
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		require.True(t, ok, "sample has no object %s", k)
		m = next
	}
	m[path[len(path)-1]] = value
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}

// storedRequest decodes the stream's message seq.
func storedRequest(t *testing.T, b *bundle, seq uint64) (*events.ReviewRequest, int) {
	t.Helper()
	raw, err := b.stream.Stream.GetMsg(context.Background(), seq)
	require.NoError(t, err)
	req, err := events.UnmarshalRequest(raw.Data)
	require.NoError(t, err)
	return req, len(raw.Data)
}

// TestHandlerRefusesIDsUnusableLater: every id that later names a subject
// token, a key-value key or a de-duplication id is checked at the door, so
// a delivery answered 202 cannot fail later for its shape.
func TestHandlerRefusesIDsUnusableLater(t *testing.T) {
	t.Parallel()
	created := sample(t, "git.pullrequest.created.json")
	tests := []struct {
		name      string
		body      []byte
		wantField string
	}{
		{"unicode repository id", edit(t, created, "répo-1", "resource", "repository", "id"), "resource.repository.id"},
		{"repository id with a slash", edit(t, created, "team/repo", "resource", "repository", "id"), "resource.repository.id"},
		{"repository id with a space", edit(t, created, "my repo", "resource", "repository", "id"), "resource.repository.id"},
		{"repository id with a wildcard", edit(t, created, "repo*", "resource", "repository", "id"), "resource.repository.id"},
		{"repository id of 65 characters", edit(t, created, strings.Repeat("a", 65), "resource", "repository", "id"), "resource.repository.id"},
		{"project id with a slash", edit(t, created, "a/b", "resource", "repository", "project", "id"), "resource.repository.project.id"},
		{"event id with a line break", edit(t, created, "e1\r\nNats-Expected-Stream: X", "id"), "id"},
		{"subscription id in unicode", edit(t, created, "ünï", "subscriptionId"), "subscriptionId"},
		{"source commit not hexadecimal", edit(t, created, map[string]any{"commitId": "HEAD~1"}, "resource", "lastMergeSourceCommit"), "resource.lastMergeSourceCommit.commitId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupStream(t, ingest.Config{Token: token}, streams.Config{})
			a := post(t, b.url+"?token="+token, tt.body, nil)
			require.Equal(t, http.StatusBadRequest, a.status, a.body)
			require.Equal(t, tt.wantField, a.body["field"])
			require.Zero(t, messages(t, b), "nothing is queued")
		})
	}
}

// TestHandlerOversizedRequestIs413: a delivery within the body limit whose
// review request is larger than the server's max_payload can never be
// queued: 413 with the reason, not 503. (With the server's default of 1 MiB
// no request reaches it: names and comments are cut far below; a server
// configured with a small max_payload does.)
func TestHandlerOversizedRequestIs413(t *testing.T) {
	t.Parallel()
	b := setupServer(t, broker.Options{MaxPayload: 2048}, ingest.Config{Token: token}, streams.Config{})
	body := edit(t, sample(t, "ms.vss-code.git-pullrequest-comment-event.json"), "/azreviewer review\n"+strings.Repeat("x", 3<<10), "resource", "comment", "content")
	a := post(t, b.url+"?token="+token, body, nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, a.status, a.body)
	require.Contains(t, a.body["error"], "max_payload 2048 bytes")
	require.Empty(t, a.header.Get("Retry-After"))
	require.Zero(t, messages(t, b))
	require.Equal(t, 1.0, delivered(t, b.reg, "too_large"))
}

// TestHandlerCutsLongNames: a megabyte repository name is cut, not carried.
func TestHandlerCutsLongNames(t *testing.T) {
	t.Parallel()
	b := setupStream(t, ingest.Config{Token: token}, streams.Config{})
	body := edit(t, sample(t, "git.pullrequest.created.json"), strings.Repeat("x", 1536<<10), "resource", "repository", "name")
	a := post(t, b.url+"?token="+token, body, nil)
	require.Equal(t, http.StatusAccepted, a.status, a.body)
	req, size := storedRequest(t, b, uint64(a.body["stream_seq"].(float64)))
	require.Len(t, req.RepositoryName, ingest.MaxNameBytes)
	require.Less(t, size, 4<<10)
}

// TestHandlerCapsCommentText: the comment text carried in a review request
// is cut to events.MaxCommentBytes, so 900 KB comments cannot fill the
// stream.
func TestHandlerCapsCommentText(t *testing.T) {
	t.Parallel()
	b := setupStream(t, ingest.Config{Token: token}, streams.Config{})
	content := "/azreviewer review\n" + strings.Repeat("lorem ipsum dolor sit amet\n", 900<<10/27)
	body := edit(t, sample(t, "ms.vss-code.git-pullrequest-comment-event.json"), content, "resource", "comment", "content")
	a := post(t, b.url+"?token="+token, body, nil)
	require.Equal(t, http.StatusAccepted, a.status, a.body)
	req, size := storedRequest(t, b, uint64(a.body["stream_seq"].(float64)))
	require.LessOrEqual(t, size, events.MaxCommentBytes+2048, "the message stays small")
	require.True(t, req.Comment.Truncated)
	require.True(t, strings.HasPrefix(req.Comment.Content, "/azreviewer review\n"))
	require.True(t, strings.HasSuffix(req.Comment.Content, "amet\n"), "cut at a line break")
}

// TestHandlerFullQueueIs503: the review stream discards new messages when
// full, so old work is kept and the new delivery gets 503 with Retry-After
// and the reason (Azure DevOps delivers it again). A retry of a delivery
// already queued is still a 202 duplicate.
func TestHandlerFullQueueIs503(t *testing.T) {
	t.Parallel()
	b := setupStream(t, ingest.Config{Token: token}, streams.Config{MaxMsgs: 2})
	created := sample(t, "git.pullrequest.created.json")
	pr := func(id int) []byte { return edit(t, created, id, "resource", "pullRequestId") }

	for id := 1; id <= 2; id++ {
		a := post(t, b.url+"?token="+token, pr(id), nil)
		require.Equal(t, http.StatusAccepted, a.status, a.body)
	}
	a := post(t, b.url+"?token="+token, pr(3), nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status, a.body)
	require.NotEmpty(t, a.header.Get("Retry-After"))
	require.Contains(t, a.body["error"], "review queue is full (maximum messages exceeded)")
	require.Equal(t, 1.0, delivered(t, b.reg, "queue_full"))

	again := post(t, b.url+"?token="+token, pr(1), nil)
	require.Equal(t, http.StatusAccepted, again.status, again.body)
	require.Equal(t, true, again.body["duplicate"])

	require.EqualValues(t, 2, messages(t, b), "the queued requests are kept")
	first, _ := storedRequest(t, b, 1)
	require.Equal(t, 1, first.PullRequestID)
}

// slowDelivery sends a delivery's headers and the first sent bytes of its
// body, and leaves the rest unsent.
func slowDelivery(t *testing.T, url string, body []byte, sent int) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(strings.SplitN(url, ingest.WebhookPath, 2)[0], "http://")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	// Bounds the test, whatever the server does.
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = fmt.Fprintf(conn, "POST %s?token=%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		ingest.WebhookPath, token, host, len(body))
	require.NoError(t, err)
	_, err = conn.Write(body[:sent])
	require.NoError(t, err)
	return conn
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// TestHandlerBoundsDeliveriesInFlight: authenticated deliveries whose
// bodies have not arrived hold their reservation; a delivery that does not
// fit in INGEST_MAX_IN_FLIGHT_BYTES is answered 503 with Retry-After
// without its body being read, and a freed reservation serves the next one.
func TestHandlerBoundsDeliveriesInFlight(t *testing.T) {
	t.Parallel()
	// Room for two small deliveries, not three.
	b := setupStream(t, ingest.Config{Token: token, MaxBodyBytes: 2 * ingest.MinDeliveryReservation, MaxInFlightBytes: 2*ingest.MinDeliveryReservation + 1000}, streams.Config{})
	created := sample(t, "git.pullrequest.created.json")
	slow := []net.Conn{slowDelivery(t, b.url, created, 10), slowDelivery(t, b.url, created, 10)}
	require.Eventually(t, func() bool { return gauge(t, b.reg, "azreviewer_ingest_deliveries_in_flight") == 2 },
		10*time.Second, 5*time.Millisecond, "both slow deliveries are being read")

	a := post(t, b.url+"?token="+token, created, nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status, a.body)
	require.NotEmpty(t, a.header.Get("Retry-After"))
	require.Contains(t, a.body["error"], "too many deliveries in progress")
	require.Equal(t, 1.0, delivered(t, b.reg, "busy"))

	// The first slow delivery completes: its slot serves the next delivery.
	_, err := slow[0].Write(created[10:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(slow[0]), nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Eventually(t, func() bool { return gauge(t, b.reg, "azreviewer_ingest_deliveries_in_flight") == 1 },
		10*time.Second, 5*time.Millisecond)
	a = post(t, b.url+"?token="+token, edit(t, created, 2, "resource", "pullRequestId"), nil)
	require.Equal(t, http.StatusAccepted, a.status, a.body)
}

// TestHandlerBodyTimeout: a body that does not arrive within
// INGEST_BODY_TIMEOUT is answered 408 (which Azure DevOps retries) and its
// slot is freed.
func TestHandlerBodyTimeout(t *testing.T) {
	t.Parallel()
	b := setupStream(t, ingest.Config{Token: token, BodyTimeout: 200 * time.Millisecond}, streams.Config{})
	conn := slowDelivery(t, b.url, sample(t, "git.pullrequest.created.json"), 10)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "an answer arrives without the rest of the body")
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	require.Equal(t, 1.0, delivered(t, b.reg, "timeout"))
	require.Zero(t, gauge(t, b.reg, "azreviewer_ingest_deliveries_in_flight"))
}

// TestHandlerLogsABoundedRequestID: the Request-Id header is logged before
// authentication, so a stranger's megabyte Request-Id must not become a
// megabyte log line.
func TestHandlerLogsABoundedRequestID(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Config{Token: "t0ken"})
	a := post(t, b.url+"?token=wrong", sample(t, "git.pullrequest.created.json"), func(r *http.Request) {
		r.Header.Set("Request-Id", strings.Repeat("r", 64<<10))
	})
	require.Equal(t, http.StatusUnauthorized, a.status)
	require.Contains(t, b.logs.String(), "webhook refused")
	for line := range strings.SplitSeq(b.logs.String(), "\n") {
		require.Less(t, len(line), 1024, "log line of %d bytes", len(line))
	}
}
