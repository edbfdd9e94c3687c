package ingest_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// BenchmarkServeHTTP is the handler's cost for an authenticated delivery
// published to an embedded JetStream (in memory), called directly: the
// same delivery each time, so every one after the first is a duplicate.
func BenchmarkServeHTTP(b *testing.B) {
	for _, name := range []string{"git.pullrequest.created.json", "ms.vss-code.git-pullrequest-comment-event.json"} {
		b.Run(name, func(b *testing.B) {
			body, err := os.ReadFile("../servicehooks/testdata/" + name)
			if err != nil {
				b.Fatal(err)
			}
			s := eventstest.Start(b, streams.Config{Memory: true})
			// A text handler, not slog.DiscardHandler: formatting the log line is part of the cost.
			logger := slog.New(slog.NewTextHandler(io.Discard, nil)) //nolint:sloglint // see above
			cfg := ingest.Config{BasicUser: user, BasicPassword: password, Logger: logger}
			h, err := ingest.NewHandler(cfg, events.NewPublisher(s.JS, fleet.Names{}), prometheus.NewRegistry())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, ingest.WebhookPath, bytes.NewReader(body))
				r.SetBasicAuth(user, password)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusAccepted {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
