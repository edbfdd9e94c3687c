// Package deploy_test checks what deploy/ ships, with the tools that read
// it: compose.yaml with the compose-spec loader, the Kubernetes manifests
// decoded strictly into the API types and built with kustomize, the
// alerting rules with Prometheus's rule parser, the dashboard with
// Grafana's types, the image's build context with Docker's ignore-file
// matcher. Every variable given to an azreviewer process must be one it
// reads, and every metric a rule or panel names one the processes export.
package deploy_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  ".",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml"}},
		Environment: types.Mapping{
			"AZDO_ORG_URL": "https://dev.azure.com/fabrikam", "AZDO_PAT": "pat", "WEBHOOK_TOKEN": "token",
		},
	}, func(o *loader.Options) { o.SetProjectName("azreviewer", true) })
	require.NoError(t, err)
	return project
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	for name, known := range readers() {
		svc, ok := project.Services[name]
		require.True(t, ok, "service %s", name)
		require.Equal(t, []string{"/usr/local/bin/" + name}, []string(svc.Entrypoint))
		require.NotEmpty(t, svc.Environment)
		for key := range svc.Environment {
			require.True(t, readsEnv(known, key), "service %s sets %s, which it does not read", name, key)
		}
		require.Contains(t, *svc.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], "jaeger")
		require.NotNil(t, svc.Environment["NATS_URL"])
		// The image has no shell or HTTP client: the processes start once
		// NATS is healthy, and their own health is for an orchestrator.
		for _, nats := range []string{"nats-1", "nats-2", "nats-3"} {
			require.Equal(t, types.ServiceConditionHealthy, svc.DependsOn[nats].Condition, "%s waits for %s", name, nats)
		}
	}
	for _, svc := range []string{"nats-1", "nats-2", "nats-3", "jaeger", "prometheus", "grafana"} {
		require.Contains(t, project.Services, svc)
	}
	require.Equal(t, "3", *project.Services["worker"].Environment["STREAM_REPLICAS"])
}

// TestComposeProvisionsFirst: a one-shot "worker provision" runs once NATS
// is healthy, with the configuration ingest and workers share, and they
// start only after it succeeded (they check what it made, and create
// nothing).
func TestComposeProvisionsFirst(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	prov, ok := project.Services["provision"]
	require.True(t, ok)
	require.Equal(t, []string{"/usr/local/bin/worker", "provision"}, []string(prov.Entrypoint))
	require.Equal(t, "no", prov.Restart, "a one-shot: it retries inside, then fails")
	known := provisionReads()
	for key := range prov.Environment {
		require.True(t, readsEnv(known, key), "provision sets %s, which it does not read", key)
	}
	for _, nats := range []string{"nats-1", "nats-2", "nats-3"} {
		require.Equal(t, types.ServiceConditionHealthy, prov.DependsOn[nats].Condition)
	}
	for _, name := range []string{"ingest", "worker"} {
		svc := project.Services[name]
		require.Equal(t, types.ServiceConditionCompletedSuccessfully, svc.DependsOn["provision"].Condition, "%s starts after provisioning", name)
		for _, k := range fleetSettings() {
			require.Equal(t, value(prov.Environment[k]), value(svc.Environment[k]), "provision and %s agree on %s", name, k)
		}
	}
	require.Equal(t, "3", value(prov.Environment["STREAM_REPLICAS"]))
}

// value is a compose environment value, "" when unset.
func value(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// relPath is a bind mount's source relative to deploy/.
func relPath(t *testing.T, project *types.Project, source string) string {
	t.Helper()
	if !filepath.IsAbs(source) {
		return filepath.ToSlash(filepath.Clean(source))
	}
	dir, err := filepath.Abs(project.WorkingDir)
	require.NoError(t, err)
	rel, err := filepath.Rel(dir, source)
	require.NoError(t, err)
	return filepath.ToSlash(rel)
}

// TestComposeNATS checks the NATS nodes run the server version of the
// tests and are healthy only with JetStream on.
func TestComposeNATS(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	for _, name := range []string{"nats-1", "nats-2", "nats-3"} {
		svc := project.Services[name]
		require.Equal(t, "nats:"+natsServerVersion(t)+"-alpine", svc.Image, "the nats-server version go.mod (the tests) use")
		require.NotNil(t, svc.HealthCheck, name)
		test := strings.Join(svc.HealthCheck.Test, " ")
		require.Contains(t, test, "http://127.0.0.1:8222/healthz?js-enabled-only=true")
		require.Contains(t, svc.Command, "8222", "the monitoring port the healthcheck asks")
	}
}

// promConfig is the part of Prometheus's configuration prometheus.yml uses,
// decoded strictly: a field outside it fails the test. (Prometheus's own
// config package would bring Google's and Azure's SDKs for remote write,
// some 430 MB of modules, to read twenty lines.)
type promConfig struct {
	Global struct {
		ScrapeInterval     model.Duration `json:"scrape_interval"`
		EvaluationInterval model.Duration `json:"evaluation_interval"`
	} `json:"global"`
	RuleFiles     []string `json:"rule_files"`
	ScrapeConfigs []struct {
		JobName      string `json:"job_name"`
		MetricsPath  string `json:"metrics_path"`
		DNSSDConfigs []struct {
			Names []string `json:"names"`
			Type  string   `json:"type"`
			Port  int      `json:"port"`
		} `json:"dns_sd_configs"`
	} `json:"scrape_configs"`
}

// TestComposePrometheus reads prometheus.yml and checks it scrapes every
// ingest and worker replica where they serve /metrics, and loads the
// alerting rules compose mounts.
func TestComposePrometheus(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	prom := project.Services["prometheus"]
	mounts := map[string]string{}
	for _, v := range prom.Volumes {
		if v.Type == types.VolumeTypeBind {
			mounts[v.Target] = v.Source
		}
	}
	require.Equal(t, "prometheus", relPath(t, project, mounts["/etc/prometheus"]), "prometheus mounts deploy/prometheus at /etc/prometheus")

	b, err := os.ReadFile("prometheus/prometheus.yml")
	require.NoError(t, err)
	var cfg promConfig
	require.NoError(t, yaml.UnmarshalStrict(b, &cfg))
	require.Positive(t, cfg.Global.ScrapeInterval)
	require.Equal(t, []string{"/etc/prometheus/alerts.yml"}, cfg.RuleFiles)

	listen := map[string]string{ // where each process serves /metrics
		"ingest": *project.Services["ingest"].Environment["INGEST_ADDR"],
		"worker": *project.Services["worker"].Environment["METRICS_ADDR"],
	}
	jobs := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = true
		require.Contains(t, []string{"", "/metrics"}, sc.MetricsPath, "Prometheus's default, /metrics")
		require.Len(t, sc.DNSSDConfigs, 1, "job %s: compose's DNS names every replica", sc.JobName)
		sd := sc.DNSSDConfigs[0]
		service := strings.TrimPrefix(sc.JobName, "azreviewer-")
		addr, ok := listen[service]
		require.True(t, ok, "job %s scrapes no azreviewer process", sc.JobName)
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		require.Equal(t, []string{service}, sd.Names)
		require.Equal(t, "A", sd.Type)
		require.Equal(t, port, strconv.Itoa(sd.Port), "job %s scrapes where %s serves /metrics (%s)", sc.JobName, service, addr)
	}
	require.True(t, jobs["azreviewer-ingest"] && jobs["azreviewer-worker"], "jobs: %v", jobs)
}

// TestComposeGrafana checks Grafana is provisioned with the Prometheus of
// compose and the dashboard file.
func TestComposeGrafana(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	graf := project.Services["grafana"]
	targets := map[string]string{}
	for _, v := range graf.Volumes {
		if v.Type == types.VolumeTypeBind {
			targets[v.Target] = relPath(t, project, v.Source)
		}
	}
	require.Equal(t, "grafana/provisioning", targets["/etc/grafana/provisioning"])
	require.Equal(t, "grafana/azreviewer.json", targets["/var/lib/grafana/dashboards/azreviewer.json"])

	ds := readProvisioning[struct {
		APIVersion  int `json:"apiVersion"`
		Datasources []struct {
			Name      string `json:"name"`
			UID       string `json:"uid"`
			Type      string `json:"type"`
			Access    string `json:"access"`
			URL       string `json:"url"`
			IsDefault bool   `json:"isDefault"`
			Editable  bool   `json:"editable"`
		} `json:"datasources"`
	}](t, "grafana/provisioning/datasources/prometheus.yml")
	require.Len(t, ds.Datasources, 1)
	u, err := url.Parse(ds.Datasources[0].URL)
	require.NoError(t, err)
	require.Contains(t, project.Services, u.Hostname())
	require.Equal(t, dashboardDatasourceUID, ds.Datasources[0].UID)

	dash := readProvisioning[struct {
		APIVersion int `json:"apiVersion"`
		Providers  []struct {
			Name            string `json:"name"`
			Type            string `json:"type"`
			DisableDeletion bool   `json:"disableDeletion"`
			AllowUIUpdates  bool   `json:"allowUiUpdates"`
			Options         struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}](t, "grafana/provisioning/dashboards/azreviewer.yml")
	require.Len(t, dash.Providers, 1)
	require.True(t, slices.ContainsFunc(graf.Volumes, func(v types.ServiceVolumeConfig) bool {
		return filepath.Dir(v.Target) == dash.Providers[0].Options.Path
	}), "the provider reads the directory the dashboard is mounted in")
}
