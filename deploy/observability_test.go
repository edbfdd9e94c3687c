package deploy_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	grafanaprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// dashboardDatasourceUID is the Prometheus data source the dashboard's
// panels name, provisioned in Grafana with this uid.
const dashboardDatasourceUID = "prometheus"

// targetLabels are the labels Prometheus adds to every scraped series.
var targetLabels = []string{"job", "instance"}

// readProvisioning decodes a Grafana provisioning file strictly into T.
func readProvisioning[T any](t *testing.T, file string) T {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var v T
	require.NoError(t, yaml.UnmarshalStrict(b, &v), file)
	return v
}

// recorder keeps the collectors registered through it, so that metric
// vectors without any series yet are seen too (Gather shows only series).
type recorder struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.Registerer.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// descPattern reads a metric's name and variable labels from its
// descriptor's String(), the only place client_golang shows them.
var descPattern = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*variableLabels: \{([^}]*)\}\}$`)

// exportedMetrics returns the series names ingest and workers export, as
// Prometheus stores them (a histogram's _bucket, _sum and _count), each with
// its label names: the registries the processes build, with ingest's and
// the worker's metrics.
func exportedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	reg := app.NewRegistry()
	rec := &recorder{Registerer: reg}
	worker.NewMetrics(rec)
	azdo.NewMetrics(rec)
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	ing := app.RegisterIngest(fs)
	require.NoError(t, fs.Parse(nil))
	_, err := ingest.NewHandler(ingest.Config{
		Token: "token", MaxInFlightBytes: ing.MaxInFlightBytes, BodyTimeout: ing.BodyTimeout,
		Logger: slog.New(slog.DiscardHandler),
	}, nil, rec)
	require.NoError(t, err)

	names := map[string][]string{}
	for _, c := range rec.collectors {
		descs := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(descs); close(descs) }()
		for d := range descs {
			m := descPattern.FindStringSubmatch(d.String())
			require.NotNil(t, m, "descriptor %s", d)
			var labels []string
			for l := range strings.SplitSeq(m[2], ",") {
				if l = strings.TrimSpace(l); l != "" {
					labels = append(labels, l)
				}
			}
			names[m[1]] = labels
			// A vector without series is not gathered, so its type is
			// known from the collector only.
			if _, ok := c.(*prometheus.HistogramVec); ok {
				delete(names, m[1])
				names[m[1]+"_bucket"] = append(slices.Clone(labels), "le")
				names[m[1]+"_sum"], names[m[1]+"_count"] = labels, labels
			}
		}
	}
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		var labels []string
		if len(f.Metric) > 0 {
			for _, l := range f.Metric[0].Label {
				labels = append(labels, l.GetName())
			}
		}
		name := f.GetName()
		if prev, ok := names[name]; ok {
			labels = prev
		}
		delete(names, name)
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			names[name+"_bucket"] = append(slices.Clone(labels), "le")
			names[name+"_sum"], names[name+"_count"] = labels, labels
		case dto.MetricType_SUMMARY:
			names[name] = append(slices.Clone(labels), "quantile")
			names[name+"_sum"], names[name+"_count"] = labels, labels
		default:
			names[name] = labels
		}
	}
	// Prometheus's own series of each target.
	names["up"] = nil
	return names
}

// grafanaVariables stand in for the variables Grafana replaces before a
// query reaches Prometheus.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

// checkExpr parses a PromQL expression and reports every metric it selects
// that the processes do not export, and every label it matches or groups
// by that the metrics it reads do not have.
func checkExpr(expr string, exported map[string][]string) error {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVariables.Replace(expr))
	if err != nil {
		return fmt.Errorf("%q: %w", expr, err)
	}
	var errs []error
	hasLabel := func(metric, label string) bool {
		return slices.Contains(exported[metric], label) || slices.Contains(targetLabels, label) || label == model.MetricNameLabel
	}
	selected := func(n parser.Node) []string {
		var ms []string
		parser.Inspect(n, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				ms = append(ms, vs.Name)
			}
			return nil
		})
		return ms
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if n.Name == "" {
				errs = append(errs, fmt.Errorf("%q: a selector without a metric name", expr))
				return nil
			}
			if _, ok := exported[n.Name]; !ok {
				errs = append(errs, fmt.Errorf("%q: no process exports %s", expr, n.Name))
				return nil
			}
			for _, m := range n.LabelMatchers {
				if !hasLabel(n.Name, m.Name) {
					errs = append(errs, fmt.Errorf("%q: %s has no label %s", expr, n.Name, m.Name))
				}
			}
		case *parser.AggregateExpr:
			for _, l := range n.Grouping {
				if !slices.ContainsFunc(selected(n.Expr), func(m string) bool { return hasLabel(m, l) }) {
					errs = append(errs, fmt.Errorf("%q: groups by %s, a label of none of the metrics it reads", expr, l))
				}
			}
		}
		return nil
	})
	return errors.Join(errs...)
}

// TestExportedMetrics pins what the checks below rely on: the registries
// the processes build show their metric vectors before any series exists.
func TestExportedMetrics(t *testing.T) {
	t.Parallel()
	exported := exportedMetrics(t)
	for name, labels := range map[string][]string{
		"azreviewer_ingest_webhooks_total":          {"event_type", "outcome"},
		"azreviewer_review_failures_total":          {"error_type"},
		"azreviewer_messages_settled_total":         {"settlement"},
		"azreviewer_review_duration_seconds_bucket": {"le"},
		"azreviewer_build_info":                     {"version", "revision", "goversion"},
		"process_resident_memory_bytes":             nil,
	} {
		require.Contains(t, exported, name)
		require.ElementsMatch(t, labels, exported[name], name)
	}
}

// TestCheckExpr shows the check fails on a metric no process exports and
// on a label a metric does not have.
func TestCheckExpr(t *testing.T) {
	t.Parallel()
	exported := exportedMetrics(t)
	tests := []struct {
		name, expr, wantErr string
	}{
		{"exported", `sum by (error_type) (rate(azreviewer_review_failures_total[$__rate_interval]))`, ""},
		{"histogram", `histogram_quantile(0.95, sum by (le) (rate(azreviewer_review_duration_seconds_bucket[5m])))`, ""},
		{"target labels", `up{job="azreviewer-worker"} == 0`, ""},
		{"bogus metric", `rate(azreviewer_reviews_lost_total[5m])`, "no process exports azreviewer_reviews_lost_total"},
		{"bogus label", `azreviewer_review_failures_total{kind="transient"}`, "has no label kind"},
		{"bogus grouping", `sum by (route) (rate(azreviewer_reviews_total[5m]))`, "groups by route"},
		{"no name", `{outcome="failed"}`, "without a metric name"},
		{"not PromQL", `rate(azreviewer_reviews_total[5m]`, "unclosed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkExpr(tt.expr, exported)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// TestAlertingRules parses alerts.yml as Prometheus does (unknown fields
// refused) and checks every expression against what the processes export.
func TestAlertingRules(t *testing.T) {
	t.Parallel()
	groups, errs := rulefmt.ParseFile("prometheus/alerts.yml", false, model.UTF8Validation,
		parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	exported := exportedMetrics(t)
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "recording rules are not expected here")
			require.NoError(t, checkExpr(r.Expr, exported), r.Alert)
			require.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], r.Alert)
			require.NotEmpty(t, r.Annotations["summary"], r.Alert)
			alerts = append(alerts, r.Alert)
		}
	}
	// What the issue asks alerts for, where a metric exists today.
	for _, want := range []string{"AzreviewerPATRefused", "AzreviewerReviewFailures", "AzreviewerRateLimited",
		"AzreviewerDeadLetters", "AzreviewerWebhooksUnavailable"} {
		require.Contains(t, alerts, want)
	}
}

// cogErr turns the SDK's empty error list, which it returns as a non-nil
// error, into nil.
func cogErr(err error) error {
	var be cog.BuildErrors
	if errors.As(err, &be) && len(be) == 0 {
		return nil
	}
	return err
}

// TestGrafanaDashboard decodes the dashboard strictly into Grafana's
// dashboard types (panel options and Prometheus queries included) and
// checks every query against what the processes export.
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	plugins.RegisterDefaultPlugins()
	b, err := os.ReadFile("grafana/azreviewer.json")
	require.NoError(t, err)
	// File provisioning reads the classic JSON model, which is this type;
	// dashboardv2 is the v2 API's resource.
	var d dashboard.Dashboard //nolint:staticcheck // SA1019: see above
	require.NoError(t, cogErr(d.UnmarshalJSONStrict(b)))
	require.NoError(t, cogErr(d.Validate()))
	// The SDK (v0.0.22) returns an empty error list as a non-nil error at
	// every level: a nested error still surfaces, but a panel or query that
	// decoded cleanly is dropped; and a panel's fieldConfig is decoded
	// loosely. So panels, their field configuration and their queries are
	// decoded here one by one.
	var raw struct {
		Panels []json.RawMessage `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	require.NotEmpty(t, raw.Panels)
	exported := exportedMetrics(t)
	var queries int
	for i, r := range raw.Panels {
		var p dashboard.Panel
		require.NoError(t, cogErr(p.UnmarshalJSONStrict(r)), "panel %d", i)
		require.NoError(t, cogErr(p.Validate()), "panel %d", i)
		require.NotEqual(t, "row", p.Type, "rows are not expected")
		require.NotNil(t, p.Datasource)
		require.Equal(t, dashboardDatasourceUID, *p.Datasource.Uid, *p.Title)
		var targets struct {
			Targets     []json.RawMessage `json:"targets"`
			FieldConfig json.RawMessage   `json:"fieldConfig"`
		}
		require.NoError(t, json.Unmarshal(r, &targets))
		if targets.FieldConfig != nil { // the SDK's panel decodes it loosely
			var fc dashboard.FieldConfigSource
			require.NoError(t, cogErr(fc.UnmarshalJSONStrict(targets.FieldConfig)), *p.Title)
		}
		require.NotEmpty(t, targets.Targets, *p.Title)
		for _, rt := range targets.Targets {
			var q grafanaprom.Dataquery
			require.NoError(t, cogErr(q.UnmarshalJSONStrict(rt)), *p.Title)
			require.NoError(t, checkExpr(q.Expr, exported), *p.Title)
			queries++
		}
	}
	require.Positive(t, queries)
}
