package apptest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ModuleRoot returns the directory of azreviewer's go.mod: from this
// source file's location when it is there, else from `go env GOMOD`.
func ModuleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return filepath.Clean(root), nil
		}
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("apptest: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("apptest: not inside the azreviewer module")
	}
	return filepath.Dir(gomod), nil
}

// BuildWorker builds the worker command (./cmd/worker) into dir and returns
// the binary's path.
func BuildWorker(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "worker")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/worker")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apptest: go build ./cmd/worker: %w\n%s", err, out)
	}
	return bin, nil
}

// BuildWorkerT builds the worker binary into t.TempDir().
func BuildWorkerT(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := BuildWorker(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// ProcessOptions configures a worker process. Binary, NATSURL, and OrgURL
// and PAT or OrgsFile are required.
type ProcessOptions struct {
	Binary  string
	NATSURL string
	OrgURL  string
	PAT     string
	// OrgsFile is AZDO_ORGS_FILE, instead of OrgURL and PAT.
	OrgsFile string
	// AckWait is ACK_WAIT; it must match the provisioning. Default 2 s.
	AckWait time.Duration
	// LeaseTTL is LEASE_TTL. Default: the product's (ACK_WAIT).
	LeaseTTL time.Duration
	// MaxDeliver is MAX_DELIVER. Default: the product's.
	MaxDeliver int
	// Concurrency is WORKER_CONCURRENCY. Default 2.
	Concurrency int
	// LogPath receives the process's JSON log lines (and anything else
	// it writes to stderr). Required.
	LogPath string
	// Tally, if set, counts the process's log records by message.
	Tally *LogTally
	// Env is added to the process's environment.
	Env []string
	// Credential, if set, is the user the process runs as (the test must
	// run as root).
	Credential *syscall.Credential
}

// Process is a running worker process.
type Process struct {
	cmd    *exec.Cmd
	ready  chan struct{}
	exited chan struct{}
	err    error // Wait's result, set before exited is closed
	tally  *LogTally
}

// StartWorkerProcess runs "worker provision" and then starts the worker
// binary, both configured through their environment variables as in
// production (with METRICS_ADDR=off), and returns once the worker logged
// that it consumes, or with an error if it exits first or ctx ends.
func StartWorkerProcess(ctx context.Context, opts ProcessOptions) (*Process, error) {
	logFile, err := os.OpenFile(opts.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("apptest: worker log: %w", err)
	}
	ackWait := opts.AckWait
	if ackWait == 0 {
		ackWait = 2 * time.Second
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = 2
	}
	env := append(inheritedEnv(),
		"METRICS_ADDR=off",
		"NATS_URL="+opts.NATSURL,
		"AZDO_ORG_URL="+opts.OrgURL,
		"AZDO_PAT="+opts.PAT,
		"LOG_FORMAT=json",
		"LOG_LEVEL=debug",
		"ACK_WAIT="+ackWait.String(),
		"WORKER_CONCURRENCY="+strconv.Itoa(conc),
		"SHUTDOWN_GRACE=5s",
	)
	if opts.LeaseTTL > 0 {
		env = append(env, "LEASE_TTL="+opts.LeaseTTL.String())
	}
	if opts.MaxDeliver > 0 {
		env = append(env, "MAX_DELIVER="+strconv.Itoa(opts.MaxDeliver))
	}
	if opts.OrgsFile != "" {
		env = append(env, "AZDO_ORGS_FILE="+opts.OrgsFile)
	}
	env = append(env, opts.Env...)
	// As a fleet's provisioning Job or one-shot service does before the
	// workers start: the worker only checks what exists.
	prov := exec.CommandContext(ctx, opts.Binary, "provision")
	prov.Env, prov.Stdout, prov.Stderr = env, logFile, logFile
	if err := prov.Run(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("apptest: worker provision: %w; see %s", err, opts.LogPath)
	}
	cmd := exec.Command(opts.Binary)
	cmd.Env = env
	if opts.Credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: opts.Credential}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd.Stdout = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("apptest: start worker process: %w", err)
	}
	p := &Process{cmd: cmd, ready: make(chan struct{}), exited: make(chan struct{}), tally: opts.Tally}
	go func() {
		p.scan(stderr, logFile)
		p.err = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	select {
	case <-p.ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("apptest: worker process exited before consuming (%w); see %s", p.err, opts.LogPath)
	case <-ctx.Done():
		_ = p.Kill()
		return nil, fmt.Errorf("apptest: worker process not consuming: %w; see %s", ctx.Err(), opts.LogPath)
	}
}

// scan copies the process's log to the file, counting records and
// noticing readiness.
func (p *Process) scan(r io.Reader, out io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	readied := false
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = out.Write(append(line, '\n'))
		var rec struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Msg == "" {
			continue
		}
		if p.tally != nil {
			p.tally.Add(rec.Msg)
		}
		if rec.Msg == MsgWorkerConsuming && !readied {
			readied = true
			close(p.ready)
		}
	}
	_, _ = io.Copy(out, r) // a line too long for the scanner
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.exited
	return nil
}

// Stop sends SIGTERM and waits (at most 15 s, then SIGKILL) for a clean
// exit, returning an error unless it exited with status 0.
func (p *Process) Stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(15 * time.Second):
		_ = p.Kill()
		return errors.New("apptest: worker process ignored SIGTERM for 15 s; killed")
	}
}

// Exited is closed once the process is gone.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// inheritedEnv is this process's environment without the variables that
// configure azreviewer or OpenTelemetry, so a developer's settings do not
// leak into a test's worker.
func inheritedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "OTEL_"), strings.HasPrefix(name, "AZDO_"), strings.HasPrefix(name, "NATS_"),
			strings.HasPrefix(name, "WEBHOOK_"), strings.HasPrefix(name, "WORKER_"), strings.HasPrefix(name, "LOG_"):
		default:
			env = append(env, kv)
		}
	}
	return env
}
