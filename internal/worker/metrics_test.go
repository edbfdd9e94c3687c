package worker_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"log/slog"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestMetricsHaveEverySeriesFromTheStart: each failure kind, write outcome,
// review outcome and settlement is exported at 0 before it first happens, so alerts on
// increase() see the first one.
func TestMetricsHaveEverySeriesFromTheStart(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	worker.NewMetrics(reg)
	families, err := reg.Gather()
	require.NoError(t, err)
	series := map[string][]string{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				series[f.GetName()] = append(series[f.GetName()], l.GetValue())
			}
		}
	}
	require.Subset(t, series["azreviewer_review_failures_total"], []string{"unauthorized", "sign_in_page", "missing_scope", "forbidden", "not_found", "rate_limited", "transient", "invalid", "dropped", "other"})
	require.Subset(t, series["azreviewer_writes_total"], []string{"posted", "rejected", "dropped", "unverified", "altered"})
	require.Subset(t, series["azreviewer_reviews_total"], []string{"reviewed", "skipped", "failed", "command", "handed_back"})
	require.Subset(t, series["azreviewer_messages_settled_total"], []string{"ack", "nak", "term", "dead_letter"})
	require.Subset(t, series["azreviewer_llm_budget_requests_total"], []string{"review", "command", "granted", "refused", "unchecked", "returned"})
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	require.True(t, names["azreviewer_reviews_in_flight"], "the in-flight gauge is exported from the start")
}

// TestJSONLogsSayHowLongInWords: a JSON log line's took is "12ms", not
// nanoseconds.
func TestJSONLogsSayHowLongInWords(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	b := setupWith(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"},
		func(_ *azdo.Config, w *worker.Config) { w.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	_, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	var posted map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if m["msg"] == worker.LogReviewPosted {
			posted = m
		}
	}
	require.NotNil(t, posted)
	took, ok := posted["took"].(string)
	require.True(t, ok, "took is %T %v", posted["took"], posted["took"])
	require.True(t, strings.HasSuffix(took, "s"), took)
}
