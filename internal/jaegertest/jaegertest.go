// Package jaegertest runs a real Jaeger v2 all-in-one (in-memory storage) for
// tests, on free loopback ports, and reads back what it stored through
// Jaeger's query API.
//
// The binary is not part of this module's build: build it once per machine
// with
//
//	bash scripts/build-jaeger.sh
//
// which writes ${AZREVIEWER_JAEGER_DIR:-$HOME/.cache/azreviewer}/jaeger-v1.76.0
// (the default [Start] looks for), or point $AZREVIEWER_JAEGER_BIN at a
// binary. Without one, [Start] skips the test, except under CI ($CI set),
// where it fails it.
//
// Typical use:
//
//	j := jaegertest.Start(t)
//	exp, _ := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(j.OTLPHTTPEndpoint+"/v1/traces"))
//	// ... export spans, then flush the TracerProvider (ForceFlush or Shutdown) ...
//	traces, err := j.FindTraces(ctx, "azreviewer-worker", map[string]string{"pr.id": "42"}, 1, 30*time.Second)
package jaegertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Version is the Jaeger module version the binary is built from
// (github.com/jaegertracing/jaeger v1.76.0 is Jaeger v2.13.0). It is part of
// the default binary name; keep it in sync with scripts/build-jaeger.sh and
// tools/jaeger/go.mod.
const Version = "v1.76.0"

// Environment variables read by [Start] and [DefaultBinary].
const (
	// EnvBinary, when set, is the path of the jaeger binary to run.
	EnvBinary = "AZREVIEWER_JAEGER_BIN"
	// EnvDir, when set, replaces $HOME/.cache/azreviewer as the directory
	// holding the binary built by scripts/build-jaeger.sh.
	EnvDir = "AZREVIEWER_JAEGER_DIR"
)

const (
	startTimeout = 60 * time.Second // until the query API and receivers answer
	stopGrace    = 10 * time.Second // SIGTERM → SIGKILL
	startTries   = 3                // on "address already in use"
	logTail      = 8 << 10          // bytes of Jaeger's log shown on failure
)

// Jaeger is a running Jaeger v2 all-in-one on loopback ports, started by
// [Start] and stopped when the test ends.
type Jaeger struct {
	// OTLPHTTPEndpoint is the OTLP/HTTP receiver's base URL,
	// "http://127.0.0.1:PORT", as OTEL_EXPORTER_OTLP_ENDPOINT wants it (the
	// SDK appends /v1/traces). otlptracehttp.WithEndpointURL takes the full
	// URL instead: OTLPHTTPEndpoint+"/v1/traces".
	OTLPHTTPEndpoint string
	// OTLPGRPCEndpoint is the OTLP/gRPC receiver, "127.0.0.1:PORT" (no
	// scheme): pass it to otlptracegrpc.WithEndpoint together with
	// otlptracegrpc.WithInsecure, or use "http://"+OTLPGRPCEndpoint as
	// OTEL_EXPORTER_OTLP_ENDPOINT.
	OTLPGRPCEndpoint string
	// QueryURL is the base URL of the query HTTP API (/api/..., /api/v3/...),
	// "http://127.0.0.1:PORT".
	QueryURL string
	// QueryGRPCEndpoint is the query gRPC API (api_v2 and api_v3),
	// "127.0.0.1:PORT".
	QueryGRPCEndpoint string

	client *http.Client
	proc   *process
}

// DefaultBinary returns where scripts/build-jaeger.sh puts the binary:
// $AZREVIEWER_JAEGER_DIR/jaeger-v1.76.0, by default under
// $HOME/.cache/azreviewer. It does not look at $AZREVIEWER_JAEGER_BIN.
func DefaultBinary() string {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "~" // leads to a "not found" that names the variables
		}
		dir = filepath.Join(home, ".cache", "azreviewer")
	}
	return filepath.Join(dir, "jaeger-"+Version)
}

// binaryPath returns the binary Start runs: $AZREVIEWER_JAEGER_BIN, else
// DefaultBinary().
func binaryPath() string {
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	return DefaultBinary()
}

// inCI reports whether $CI asks for CI behaviour: any non-empty value except
// one strconv.ParseBool reads as false ("0", "false", ...).
func inCI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b
}

// Start runs Jaeger v2 all-in-one (its embedded configuration: in-memory
// storage) from the binary named by $AZREVIEWER_JAEGER_BIN, else
// [DefaultBinary], with every listener on a free 127.0.0.1 port, and waits
// until the query API answers and both OTLP receivers accept connections.
// At t.Cleanup it stops Jaeger with SIGTERM, then SIGKILL after 10 s, and,
// if the test failed, logs the end of Jaeger's output.
//
// Only the OTLP receivers, the query extension (without its self-tracing)
// and the storage are kept: the all-in-one's Jaeger and Zipkin receivers,
// remote sampling, health check, expvar and zpages extensions and its
// Prometheus metrics endpoint are switched off. Jaeger then listens on the
// four addresses in [Jaeger]'s fields and nowhere else.
//
// When the binary does not exist, Start skips the test with the command that
// builds it, or fails the test when $CI is set: CI must not skip silently.
// Each call starts its own Jaeger (ready in well under a second), so traces
// of one test are not seen by another.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	bin := binaryPath()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("jaegertest: no Jaeger binary: %v\n"+
			"build it from the repository root with:  bash scripts/build-jaeger.sh\n"+
			"(or set %s to a jaeger %s binary)", err, EnvBinary, Version)
		if inCI() {
			t.Fatal(msg + "\n$CI is set, so this is a failure, not a skip")
		} else {
			t.Skip(msg)
		}
		return nil // only reached when t is a fake that does not stop the test
	}

	logDir := t.TempDir()
	for try := 1; ; try++ {
		j, err := start(bin, filepath.Join(logDir, fmt.Sprintf("jaeger-%d.log", try)))
		if err == nil {
			t.Cleanup(func() { j.stop(t) })
			return j
		}
		// Free ports are picked before Jaeger binds them, so another process
		// can take one in between: retry that case with fresh ports.
		if errors.Is(err, errPortTaken) && try < startTries {
			t.Logf("jaegertest: %v; retrying with other ports", err)
			continue
		}
		t.Fatal(err)
		return nil
	}
}

var errPortTaken = errors.New("a port was taken before Jaeger could bind it")

// process is a started jaeger process.
type process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{} // closed when Wait returns; waitErr is then set
	waitErr error
}

// start launches one Jaeger and waits until it is ready; on error the process
// is already gone.
func start(bin, logPath string) (*Jaeger, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	addr := func(i int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i])) }
	grpcAddr, httpAddr, queryAddr, queryGRPCAddr := addr(0), addr(1), addr(2), addr(3)

	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("jaegertest: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor

	cmd := exec.Command(bin, args(grpcAddr, httpAddr, queryAddr, queryGRPCAddr)...)
	cmd.Env = env()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setSysProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("jaegertest: starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()

	j := &Jaeger{
		OTLPHTTPEndpoint:  "http://" + httpAddr,
		OTLPGRPCEndpoint:  grpcAddr,
		QueryURL:          "http://" + queryAddr,
		QueryGRPCEndpoint: queryGRPCAddr,
		proc:              p,
		client: &http.Client{Transport: &http.Transport{
			Proxy:               nil, // loopback only, whatever $HTTP_PROXY says
			MaxIdleConnsPerHost: 4,
		}},
	}
	if err := j.waitReady(grpcAddr, httpAddr); err != nil {
		p.kill()
		j.client.CloseIdleConnections()
		tail := p.tail()
		if strings.Contains(tail, "address already in use") {
			err = fmt.Errorf("%w (%w)", errPortTaken, err)
		}
		return nil, fmt.Errorf("jaegertest: %s did not start: %w\n--- jaeger output (end) ---\n%s", bin, err, tail)
	}
	return j, nil
}

// args returns the command line: the embedded all-in-one configuration (no
// --config) with every listener it opens either moved to the given loopback
// address or switched off.
func args(grpcAddr, httpAddr, queryAddr, queryGRPCAddr string) []string {
	return []string{
		"--set=receivers.otlp.protocols.grpc.endpoint=" + grpcAddr,
		"--set=receivers.otlp.protocols.http.endpoint=" + httpAddr,
		"--set=extensions.jaeger_query.http.endpoint=" + queryAddr,
		"--set=extensions.jaeger_query.grpc.endpoint=" + queryGRPCAddr,
		// The query extension traces itself by default, exporting over
		// OTLP/gRPC to localhost:4317: whatever listens there (another
		// Jaeger?) would get the spans, and with nothing there shutdown
		// waits ~10 s for the exporter.
		"--set=extensions.jaeger_query.enable_tracing=false",
		// Drops the jaeger (14250, 14268, udp 6831/6832) and zipkin (9411) receivers.
		"--set=service.pipelines.traces.receivers=[otlp]",
		// Drops remote_sampling (5778/5779), healthcheckv2 (13133, and
		// 13132 for gRPC), expvar (27777) and zpages (27778).
		"--set=service.extensions=[jaeger_storage,jaeger_query]",
		// Drops the Prometheus endpoint of Jaeger's own metrics (8888).
		"--set=service.telemetry.metrics.level=none",
	}
}

// env is the test's environment for Jaeger, without OTEL_* variables (they
// would configure Jaeger's own telemetry) and with JAEGER_LISTEN_HOST set so
// that anything not moved by args still listens on loopback only.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OTEL_") || strings.HasPrefix(kv, "JAEGER_LISTEN_HOST=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "JAEGER_LISTEN_HOST=127.0.0.1")
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1 a
// moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("jaegertest: finding a free port: %w", err)
		}
		// Kept open until all are picked, so the n ports differ.
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitReady polls until the query API returns 200 for /api/services and both
// OTLP receivers accept TCP connections (the collector starts receivers after
// extensions, so the query API alone is not enough), until Jaeger exits, or
// until startTimeout.
func (j *Jaeger) waitReady(otlpAddrs ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for delay := 20 * time.Millisecond; ; delay = min(2*delay, 250*time.Millisecond) {
		if last = j.ready(ctx, otlpAddrs); last == nil {
			return nil
		}
		select {
		case <-j.proc.exited:
			return fmt.Errorf("jaeger exited: %w", j.proc.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v: %w", startTimeout, last)
		case <-time.After(delay):
		}
	}
}

func (j *Jaeger) ready(ctx context.Context, otlpAddrs []string) error {
	var services struct{}
	if err := j.getJSON(ctx, "/api/services", &services); err != nil {
		return err
	}
	for _, a := range otlpAddrs {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", a)
		if err != nil {
			return err
		}
		c.Close()
	}
	return nil
}

// stop ends Jaeger: SIGTERM, then SIGKILL after stopGrace.
func (j *Jaeger) stop(t testing.TB) {
	p := j.proc
	j.client.CloseIdleConnections() // lets the query server shut down at once
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.kill() // e.g. already exited, or no SIGTERM on this OS
	}
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		t.Logf("jaegertest: jaeger did not exit %v after SIGTERM; killing it", stopGrace)
		p.kill()
	}
	if t.Failed() {
		t.Logf("jaegertest: end of jaeger output (%s):\n%s", p.logPath, p.tail())
	}
}

// kill sends SIGKILL and waits for the process to be reaped.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// tail returns the end of Jaeger's output.
func (p *process) tail() string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	cut := false
	if fi, err := f.Stat(); err == nil && fi.Size() > logTail {
		_, err = f.Seek(-logTail, io.SeekEnd)
		cut = err == nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err.Error()
	}
	if _, rest, ok := bytes.Cut(b, []byte("\n")); cut && ok {
		b = rest // from the first whole line
	}
	return string(bytes.TrimSpace(b))
}
