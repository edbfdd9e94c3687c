package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/provision"
)

const kubeDir = "kubernetes"

// scaledObjectGVK is KEDA's ScaledObject, checked against KEDA's own CRD
// schema (testdata/keda) rather than its Go types: the module
// github.com/kedacore/keda/v2 would bring controller-runtime and client-go
// and raise versions the binaries link.
var scaledObjectGVK = schema.GroupVersionKind{Group: "keda.sh", Version: "v1alpha1", Kind: "ScaledObject"}

// natsJetStreamKeys are the trigger metadata KEDA v2.21.0's nats-jetstream
// scaler reads (pkg/scalers/nats_jetstream_scaler.go, natsJetStreamMetadata);
// it ignores any other key, so a misspelt one would silently fall back to
// a default.
var natsJetStreamKeys = []string{"account", "accountID", "stream", "consumer", "lagThreshold",
	"activationLagThreshold", "useHttps", "natsServerMonitoringEndpoint"}

// scaledObject holds the fields of a ScaledObject the checks read, once the
// CRD schema has accepted the whole object.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount *int32 `json:"minReplicaCount"`
		MaxReplicaCount *int32 `json:"maxReplicaCount"`
		Triggers        []struct {
			Type     string            `json:"type"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// manifests are decoded Kubernetes objects by kind, each by name.
type manifests struct {
	namespaces   map[string]*corev1.Namespace
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	services     map[string]*corev1.Service
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	jobs         map[string]*batchv1.Job
	pdbs         map[string]*policyv1.PodDisruptionBudget
	scaled       map[string]*scaledObject
}

func newManifests() *manifests {
	return &manifests{
		namespaces: map[string]*corev1.Namespace{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, services: map[string]*corev1.Service{},
		deployments: map[string]*appsv1.Deployment{}, statefulSets: map[string]*appsv1.StatefulSet{},
		jobs: map[string]*batchv1.Job{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		scaled: map[string]*scaledObject{},
	}
}

// decodeStrict decodes one YAML document into the API type of its kind as
// the API server's strict field validation does (kubectl apply
// --validate=strict): unknown, duplicate or wrongly cased fields are
// refused. It adds the object to m.
func (m *manifests) decodeStrict(doc []byte, crd *jsonschema.Schema) error {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return err
	}
	gvk := tm.GroupVersionKind()
	strict := func(obj any, meta *metav1.ObjectMeta) (string, error) {
		if err := unmarshalStrict(js, obj); err != nil {
			return "", fmt.Errorf("%s: %w", gvk, err)
		}
		if meta.Name == "" {
			return "", fmt.Errorf("%s without a name", gvk)
		}
		return meta.Name, nil
	}
	add := func(name string, err error, put func(string)) error {
		if err == nil {
			put(name)
		}
		return err
	}
	switch gvk {
	case corev1.SchemeGroupVersion.WithKind("Namespace"):
		o := &corev1.Namespace{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.namespaces[n] = o })
	case corev1.SchemeGroupVersion.WithKind("ConfigMap"):
		o := &corev1.ConfigMap{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.configMaps[n] = o })
	case corev1.SchemeGroupVersion.WithKind("Secret"):
		o := &corev1.Secret{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.secrets[n] = o })
	case corev1.SchemeGroupVersion.WithKind("Service"):
		o := &corev1.Service{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.services[n] = o })
	case appsv1.SchemeGroupVersion.WithKind("Deployment"):
		o := &appsv1.Deployment{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.deployments[n] = o })
	case appsv1.SchemeGroupVersion.WithKind("StatefulSet"):
		o := &appsv1.StatefulSet{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.statefulSets[n] = o })
	case batchv1.SchemeGroupVersion.WithKind("Job"):
		o := &batchv1.Job{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.jobs[n] = o })
	case policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"):
		o := &policyv1.PodDisruptionBudget{}
		name, err := strict(o, &o.ObjectMeta)
		return add(name, err, func(n string) { m.pdbs[n] = o })
	case scaledObjectGVK:
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			return err
		}
		if err := crd.Validate(inst); err != nil {
			return fmt.Errorf("the ScaledObject does not match KEDA's CRD schema: %w", err)
		}
		// Its metadata strictly, then the fields the checks read.
		var meta struct {
			Metadata json.RawMessage `json:"metadata"`
		}
		if err := json.Unmarshal(js, &meta); err != nil {
			return err
		}
		if err := unmarshalStrict(meta.Metadata, &metav1.ObjectMeta{}); err != nil {
			return fmt.Errorf("%s metadata: %w", gvk, err)
		}
		o := &scaledObject{}
		if err := kjson.UnmarshalCaseSensitivePreserveInts(js, o); err != nil {
			return err
		}
		m.scaled[o.Name] = o
		return nil
	default:
		return fmt.Errorf("no API type is known here for %s; add it to decodeStrict", gvk)
	}
}

// unmarshalStrict decodes JSON into obj as the API server does: field
// names are case-sensitive, and unknown or duplicate fields are errors.
func unmarshalStrict(js []byte, obj any) error {
	strictErrs, err := kjson.UnmarshalStrict(js, obj)
	return errors.Join(append([]error{err}, strictErrs...)...)
}

// splitYAML returns the non-empty documents of a multi-document stream.
func splitYAML(t *testing.T, b []byte) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// kedaScaledObjectSchema compiles the OpenAPI schema of KEDA's ScaledObject
// CRD, made strict: an object that lists its properties accepts no other,
// as the API server's strict field validation (kubectl apply
// --validate=strict) refuses unknown fields.
func kedaScaledObjectSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile("testdata/keda/keda.sh_scaledobjects.yaml")
	require.NoError(t, err)
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(b, &crd))
	var s map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == scaledObjectGVK.Version {
			s = v.Schema.OpenAPIV3Schema
		}
	}
	require.NotNil(t, s, "the CRD has no %s", scaledObjectGVK.Version)
	var closeObjects func(node any)
	closeObjects = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if _, ok := n["properties"]; ok && n["additionalProperties"] == nil && n["x-kubernetes-preserve-unknown-fields"] == nil {
				n["additionalProperties"] = false
			}
			for _, v := range n {
				closeObjects(v)
			}
		case []any:
			for _, v := range n {
				closeObjects(v)
			}
		}
	}
	closeObjects(s)
	// The object's own metadata is an ObjectMeta, decoded strictly apart.
	s["properties"].(map[string]any)["metadata"] = map[string]any{"type": "object"}
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("scaledobject.json", s))
	sch, err := c.Compile("scaledobject.json")
	require.NoError(t, err)
	return sch
}

// TestKubernetesManifestsDecodeStrictly decodes every manifest under
// kubernetes/, the provisioning component's included, into its API type:
// an unknown or misplaced field fails.
func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	t.Parallel()
	crd := kedaScaledObjectSchema(t)
	m := newManifests()
	var kustomizations int
	err := filepath.WalkDir(kubeDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		if d.Name() == "kustomization.yaml" {
			kustomizations++
			var k kusttypes.Kustomization
			require.NoError(t, yaml.UnmarshalStrict(b, &k), p)
			return nil
		}
		for i, doc := range splitYAML(t, b) {
			require.NoError(t, m.decodeStrict(doc, crd), "%s, document %d", p, i+1)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 2, kustomizations, "the base and the provisioning component")
	require.Contains(t, m.deployments, "ingest")
	require.Contains(t, m.deployments, "worker")
	require.Contains(t, m.statefulSets, "nats")
	require.Contains(t, m.jobs, "provision")
	require.Contains(t, m.scaled, "worker")
}

// TestKubernetesManifestsRejectUnknownFields shows the strict decoding
// fails on a misplaced field, for a Kubernetes type and for the
// ScaledObject.
func TestKubernetesManifestsRejectUnknownFields(t *testing.T) {
	t.Parallel()
	crd := kedaScaledObjectSchema(t)
	tests := []struct {
		name, doc, wantErr string
	}{
		{"unknown field", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n", `unknown field "spec.replica"`},
		{"wrong case", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80, targetport: 8080}]\n", `unknown field "spec.ports[0].targetport"`},
		{"duplicate field", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  type: ClusterIP\n  type: NodePort\n", `"type" already set`},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "no API type is known here for /v1, Kind=Pod"},
		{"scaledobject field", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: worker}\n  minReplicas: 1\n  triggers: [{type: nats-jetstream, metadata: {}}]\n", "additional properties 'minReplicas' not allowed"},
		{"trigger field", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{kind: nats-jetstream, metadata: {}}]\n", "missing property 'type'"},
		{"scaledobject metadata", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x, label: {a: b}}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{type: nats-jetstream, metadata: {}}]\n", `unknown field "label"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, newManifests().decodeStrict([]byte(tt.doc), crd), tt.wantErr)
		})
	}
}

// build runs kustomize on a copy of kubernetes/ in memory, with the two
// secret files an operator writes and extra appended to the base's
// kustomization.yaml.
func build(t *testing.T, extra string) *manifests {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	err := filepath.WalkDir(kubeDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return mem.WriteFile(path.Join("/deploy", filepath.ToSlash(p)), b)
	})
	require.NoError(t, err)
	require.NoError(t, mem.WriteFile("/deploy/kubernetes/secrets/azdo-pat", []byte("pat")))
	require.NoError(t, mem.WriteFile("/deploy/kubernetes/secrets/webhook-token", []byte("token")))
	dir := "/deploy/kubernetes"
	if extra != "" {
		k, err := mem.ReadFile(dir + "/kustomization.yaml")
		require.NoError(t, err)
		require.NoError(t, mem.WriteFile(dir+"/kustomization.yaml", append(k, extra...)))
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, dir)
	require.NoError(t, err)
	crd := kedaScaledObjectSchema(t)
	m := newManifests()
	for _, r := range res.Resources() {
		doc, err := r.AsYAML()
		require.NoError(t, err)
		require.NoError(t, m.decodeStrict(doc, crd), "kustomize build: %s", r.CurId())
	}
	return m
}

// TestKustomizeBase builds the base as kubectl apply -k does and checks
// what it would apply: every object decodes strictly, names resolve,
// every variable given to a process is one it reads, probes reach the
// process's listener, and KEDA scales the workers on today's stream and
// consumer.
func TestKustomizeBase(t *testing.T) {
	t.Parallel()
	m := build(t, "")

	require.Len(t, m.namespaces, 1)
	var ns string
	for name := range m.namespaces {
		ns = name
	}
	require.Contains(t, m.jobs, "provision", "the base provisions the fleet")

	t.Run("processes", func(t *testing.T) {
		for _, name := range []string{"ingest", "worker"} {
			d := m.deployments[name]
			require.NotNil(t, d, name)
			require.Equal(t, ns, d.Namespace)
			checkPodSpec(t, m, name, &d.Spec.Template)
		}
	})

	t.Run("services", func(t *testing.T) {
		for name, svc := range m.services {
			pods := m.podsSelectedBy(t, svc.Spec.Selector)
			require.NotEmpty(t, pods, "service %s selects no pods", name)
			for _, p := range svc.Spec.Ports {
				for _, pod := range pods {
					require.NotZero(t, containerPort(pod, p.TargetPort.String()), "service %s: port %s is not a port of its pods", name, p.TargetPort.String())
				}
			}
		}
	})

	t.Run("disruption budgets", func(t *testing.T) {
		for _, workload := range []string{"ingest", "worker", "nats"} {
			pdb := m.pdbs[workload]
			require.NotNil(t, pdb, "no PodDisruptionBudget for %s", workload)
			sel, err := metav1.LabelSelectorAsMap(pdb.Spec.Selector)
			require.NoError(t, err)
			require.Len(t, m.podsSelectedBy(t, sel), 1, "the budget %s selects one workload's pods", workload)
		}
		require.Equal(t, 1, m.pdbs["nats"].Spec.MaxUnavailable.IntValue(), "one NATS node down at a time keeps R3's quorum")
	})

	t.Run("nats", func(t *testing.T) { checkNATS(t, m) })

	t.Run("keda", func(t *testing.T) {
		so := m.scaled["worker"]
		require.NotNil(t, so)
		worker := m.deployments[so.Spec.ScaleTargetRef.Name]
		require.NotNil(t, worker, "the ScaledObject scales %q, which is no Deployment", so.Spec.ScaleTargetRef.Name)
		require.Nil(t, worker.Spec.Replicas, "KEDA owns the workers' replicas: the Deployment must not set them")
		require.Len(t, so.Spec.Triggers, 1)
		tr := so.Spec.Triggers[0]
		require.Equal(t, "nats-jetstream", tr.Type)
		for k := range tr.Metadata {
			require.Contains(t, natsJetStreamKeys, k, "KEDA's nats-jetstream scaler reads no %q", k)
		}
		// The names of the fleet the ConfigMap configures (the default
		// fleet's when FLEET_NAME is unset).
		env := containerEnv(t, m, worker.Spec.Template.Spec.Containers[0])
		var names fleet.Names
		if name, ok := env["FLEET_NAME"]; ok {
			require.NoError(t, names.Set(name))
		}
		require.Equal(t, names.ReviewStream(), tr.Metadata["stream"])
		require.Equal(t, names.Consumer(), tr.Metadata["consumer"])
		require.Equal(t, "$G", tr.Metadata["account"], "the NATS server has no accounts: the global one")
		sts := m.statefulSets["nats"]
		require.Equal(t, net.JoinHostPort(sts.Spec.ServiceName+"."+ns+".svc.cluster.local", "8222"), tr.Metadata["natsServerMonitoringEndpoint"],
			"KEDA asks each node by <pod>.<headless service>.<namespace>; the namespace is kustomization.yaml's")
		require.NotZero(t, servicePort(m.services[sts.Spec.ServiceName], 8222))
		require.Equal(t, env["WORKER_CONCURRENCY"], tr.Metadata["lagThreshold"], "one worker per WORKER_CONCURRENCY pending reviews")
	})
}

// checkPodSpec checks the pod of an azreviewer process: its variables, its
// secrets, its probes and its scrape annotation.
func checkPodSpec(t *testing.T, m *manifests, name string, pod *corev1.PodTemplateSpec) {
	t.Helper()
	require.Len(t, pod.Spec.Containers, 1, name)
	c := pod.Spec.Containers[0]
	require.NotEmpty(t, c.Command, name)
	binary := path.Base(c.Command[0])
	known, ok := readers()[binary]
	require.True(t, ok, "%s runs %s, not an azreviewer process", name, binary)

	env := containerEnv(t, m, c)
	for k := range env {
		require.True(t, readsEnv(known, k), "%s sets %s, which %s does not read", name, k, binary)
	}
	for _, e := range c.Env {
		if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
			s := m.secrets[ref.SecretKeyRef.Name]
			require.NotNil(t, s, "%s: %s names no Secret", name, e.Name)
			require.Contains(t, s.Data, ref.SecretKeyRef.Key, "%s: %s", name, e.Name)
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		s := m.secrets[v.Secret.SecretName]
		require.NotNil(t, s, "%s: volume %s names no Secret", name, v.Name)
		for _, it := range v.Secret.Items {
			require.Contains(t, s.Data, it.Key, "%s: volume %s", name, v.Name)
		}
		require.NotNil(t, v.Secret.DefaultMode)
		require.Zero(t, *v.Secret.DefaultMode&0o007, "%s: secret files must not be readable by others", name)
	}
	if f, ok := env["AZDO_PAT_FILE"]; ok {
		require.True(t, mountedSecret(pod, c, f), "%s: AZDO_PAT_FILE %s is not a file of a mounted Secret", name, f)
	}

	// The listener of /healthz, /readyz and /metrics.
	addrVar := map[string]string{"ingest": "INGEST_ADDR", "worker": "METRICS_ADDR"}[binary]
	addr, ok := env[addrVar]
	if !ok {
		addr = flagDefault(binary, addrVar)
	}
	_, portStr, err := net.SplitHostPort(addr)
	require.NoError(t, err, "%s: %s=%q", name, addrVar, addr)
	port, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	require.NotNil(t, c.LivenessProbe, name)
	require.NotNil(t, c.ReadinessProbe, name)
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		require.NotNil(t, probe.HTTPGet, name)
		require.Equal(t, want, probe.HTTPGet.Path, name)
		require.Equal(t, int32(port), containerPort(pod, probe.HTTPGet.Port.String()), "%s: the %s probe misses %s %s", name, want, addrVar, addr)
	}
	require.Equal(t, portStr, pod.Annotations["prometheus.io/port"], "%s: /metrics is served on %s", name, addrVar)
}

// containerEnv is a container's environment as the kubelet gives it:
// envFrom ConfigMaps (which must exist), then env (a reference's value is
// left empty).
func containerEnv(t *testing.T, m *manifests, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef != nil {
			cm := m.configMaps[from.ConfigMapRef.Name]
			require.NotNil(t, cm, "envFrom names no ConfigMap: %s", from.ConfigMapRef.Name)
			for k, v := range cm.Data {
				env[k] = v
			}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

func mountedSecret(pod *corev1.PodTemplateSpec, c corev1.Container, file string) bool {
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Spec.Volumes {
			if v.Name != vm.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if path.Join(vm.MountPath, it.Path) == file {
					return true
				}
			}
		}
	}
	return false
}

// flagDefault is the default of the flag behind an environment variable.
func flagDefault(binary, env string) string {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	switch binary {
	case "ingest":
		app.RegisterIngest(fs)
	case "worker":
		app.RegisterWorker(fs).RegisterMetricsAddr(fs)
	}
	return fs.Lookup(strings.ReplaceAll(strings.ToLower(env), "_", "-")).DefValue
}

// containerPort resolves a port given by name or number against the pod's
// containers: 0 when none has it.
func containerPort(pod *corev1.PodTemplateSpec, port string) int32 {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == port || strconv.Itoa(int(p.ContainerPort)) == port {
				return p.ContainerPort
			}
		}
	}
	return 0
}

func servicePort(svc *corev1.Service, port int32) int32 {
	if svc == nil {
		return 0
	}
	for _, p := range svc.Spec.Ports {
		if p.Port == port {
			return p.Port
		}
	}
	return 0
}

// podsSelectedBy returns the pod templates of every workload whose labels
// the selector matches.
func (m *manifests) podsSelectedBy(t *testing.T, selector map[string]string) []*corev1.PodTemplateSpec {
	t.Helper()
	require.NotEmpty(t, selector, "an empty selector selects everything")
	sel := labels.SelectorFromSet(selector)
	var pods []*corev1.PodTemplateSpec
	for _, d := range m.deployments {
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			pods = append(pods, &d.Spec.Template)
		}
	}
	for _, s := range m.statefulSets {
		if sel.Matches(labels.Set(s.Spec.Template.Labels)) {
			pods = append(pods, &s.Spec.Template)
		}
	}
	return pods
}

// checkNATS checks the NATS cluster: the server version of the tests, a
// configuration nats-server itself accepts, routes to each of the
// StatefulSet's pods, and the address the processes are given.
func checkNATS(t *testing.T, m *manifests) {
	sts := m.statefulSets["nats"]
	require.NotNil(t, sts)
	require.Equal(t, appsv1.ParallelPodManagement, sts.Spec.PodManagementPolicy, "a node is ready only in a formed cluster")
	require.NotNil(t, sts.Spec.Replicas)
	replicas := int(*sts.Spec.Replicas)
	require.Equal(t, 3, replicas)
	c := sts.Spec.Template.Spec.Containers[0]
	require.Equal(t, "nats:"+natsServerVersion(t)+"-alpine", c.Image, "the nats-server version go.mod (the tests) use")

	var confMount string
	var confMap *corev1.ConfigMap
	for _, vm := range c.VolumeMounts {
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.Name == vm.Name && v.ConfigMap != nil {
				confMount, confMap = vm.MountPath, m.configMaps[v.ConfigMap.Name]
			}
		}
	}
	require.NotNil(t, confMap, "no NATS configuration mounted")
	i := slices.Index(c.Args, "--config")
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, path.Join(confMount, "nats.conf"), c.Args[i+1])

	dir := t.TempDir()
	conf := filepath.Join(dir, "nats.conf")
	require.NoError(t, os.WriteFile(conf, []byte(confMap.Data["nats.conf"]), 0o600))
	// The server's name is the pod's (env SERVER_NAME from metadata.name):
	// KEDA matches it against the consumer's leader. ProcessConfigFile
	// reads the variable from the environment, so this test cannot run in
	// parallel with others that set it; none do.
	require.Equal(t, "metadata.name", envFieldRef(c, "SERVER_NAME"))
	opts, err := processNATSConfig(conf, sts.Name+"-0")
	require.NoError(t, err, "nats-server refuses nats.conf")
	require.Equal(t, sts.Name+"-0", opts.ServerName)
	require.True(t, opts.JetStream)
	require.Equal(t, "/data", opts.StoreDir)
	require.Contains(t, volumeMountPaths(c), opts.StoreDir, "JetStream stores on the claim")
	var routes []string
	for _, r := range opts.Routes {
		routes = append(routes, r.Host)
	}
	var want []string
	for n := range replicas {
		want = append(want, net.JoinHostPort(sts.Name+"-"+strconv.Itoa(n)+"."+sts.Spec.ServiceName, strconv.Itoa(opts.Cluster.Port)))
	}
	require.ElementsMatch(t, want, routes, "a route to every node, by the headless Service")
	for port, name := range map[int]string{opts.Port: "client", opts.Cluster.Port: "cluster", opts.HTTPPort: "monitor"} {
		require.Equal(t, int32(port), containerPort(&sts.Spec.Template, name), "port %s", name)
	}
	require.Equal(t, "/healthz?js-enabled-only=true", c.LivenessProbe.HTTPGet.Path)

	// The processes' NATS_URL is the client Service.
	cm := m.configMaps[m.deployments["worker"].Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name]
	require.Equal(t, "nats://nats:"+strconv.Itoa(opts.Port), cm.Data["NATS_URL"])
	require.NotZero(t, servicePort(m.services["nats"], int32(opts.Port)))
	replicasWanted, err := strconv.Atoi(cm.Data["STREAM_REPLICAS"])
	require.NoError(t, err)
	require.LessOrEqual(t, replicasWanted, replicas)
}

func envFieldRef(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			return e.ValueFrom.FieldRef.FieldPath
		}
	}
	return ""
}

func volumeMountPaths(c corev1.Container) []string {
	var ps []string
	for _, vm := range c.VolumeMounts {
		ps = append(ps, vm.MountPath)
	}
	return ps
}

// processNATSConfig parses a nats-server configuration file as the server
// does, with SERVER_NAME set as the pod's environment sets it.
func processNATSConfig(file, serverName string) (*server.Options, error) {
	if err := os.Setenv("SERVER_NAME", serverName); err != nil {
		return nil, err
	}
	defer os.Unsetenv("SERVER_NAME")
	return server.ProcessConfigFile(file)
}

// TestProvisionComponent builds the base, which lists the provisioning
// component, and checks the Job runs "worker provision" with the
// configuration the processes share. (Added from an overlay instead, the
// Job would name the ConfigMap before the base's generator gave it its
// hashed name: a ConfigMap that does not exist.)
func TestProvisionComponent(t *testing.T) {
	t.Parallel()
	m := build(t, "")
	job := m.jobs["provision"]
	require.NotNil(t, job)
	c := job.Spec.Template.Spec.Containers[0]
	require.Equal(t, []string{"/usr/local/bin/worker", "provision"}, c.Command)
	known := readers()["worker"]
	for k := range containerEnv(t, m, c) {
		require.True(t, readsEnv(known, k), "the Job sets %s, which the worker does not read", k)
	}
	jobEnv, workerEnv := containerEnv(t, m, c), containerEnv(t, m, m.deployments["worker"].Spec.Template.Spec.Containers[0])
	ingestEnv := containerEnv(t, m, m.deployments["ingest"].Spec.Template.Spec.Containers[0])
	for _, k := range fleetSettings() {
		require.Equal(t, jobEnv[k], workerEnv[k], "the Job and the workers agree on %s", k)
		require.Equal(t, jobEnv[k], ingestEnv[k], "the Job and ingest agree on %s", k)
	}
}

// TestProvisionJobProvisionsTheFleet runs the Job's command with the Job's
// environment (NATS_URL aside) against a three-node cluster: it creates
// the fleet's resources with three replicas, and a worker with the
// Deployment's environment finds them as it is configured.
func TestProvisionJobProvisionsTheFleet(t *testing.T) {
	t.Parallel()
	m := build(t, "")
	job := m.jobs["provision"]
	require.NotNil(t, job)
	c := job.Spec.Template.Spec.Containers[0]
	cluster := eventstest.StartCluster(t, 3)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	args := append(slices.Clone(c.Command[1:]), asFlags(containerEnv(t, m, c), provisionReads(), cluster.URL())...)
	require.NoError(t, app.WorkerMain(ctx, args, &out, io.Discard), "worker %s", strings.Join(args, " "))
	require.Contains(t, out.String(), "created stream AZREVIEWER_REVIEWS")

	js, err := jetstream.New(cluster.Connect())
	require.NoError(t, err)
	st, err := js.Stream(ctx, "AZREVIEWER_REVIEWS")
	require.NoError(t, err)
	require.Equal(t, 3, st.CachedInfo().Config.Replicas)

	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	common := app.RegisterCommon(fs)
	app.RegisterWorker(fs).RegisterMetricsAddr(fs)
	common.RegisterNATS(fs)
	require.NoError(t, fs.Parse(asFlags(containerEnv(t, m, m.deployments["worker"].Spec.Template.Spec.Containers[0]), readers()["worker"], cluster.URL())))
	require.NoError(t, app.CheckFleet(ctx, js, common, provision.WorkerScope, slog.New(slog.DiscardHandler)))
}

// asFlags turns the variables of a container's environment that the
// command reads (known) into the flags that mirror them, with NATS_URL
// pointed at natsURL.
func asFlags(env map[string]string, known map[string]bool, natsURL string) []string {
	var flags []string
	for k, v := range env {
		if !known[k] {
			continue
		}
		if k == "NATS_URL" {
			v = natsURL
		}
		flags = append(flags, "--"+strings.ToLower(strings.ReplaceAll(k, "_", "-"))+"="+v)
	}
	slices.Sort(flags)
	return flags
}
