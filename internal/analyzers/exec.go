package analyzers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// waitDelay is how long the output pipes may stay open after the tool's
// process group was killed, in case a process that left the group holds
// them.
const waitDelay = 5 * time.Second

// run runs the tool in the tree and parses its SARIF output.
func (a Analyzer) run(ctx context.Context, t *tree, owner *credential) ([]SARIFResult, error) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := a.MaxOutputBytes
	if limit <= 0 {
		limit = DefaultMaxOutputBytes
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	args := append([]string(nil), a.Command[1:]...)
	if a.AppendFiles {
		args = append(args, t.args()...)
	}
	cmd := exec.Command(a.Command[0], args...)
	cmd.Dir = t.dir
	cmd.Env = a.env(t)
	stdout := &limitedBuffer{limit: limit, onOverflow: cancel}
	stderr := &tailBuffer{limit: maxStderrBytes}
	prepare(cmd, owner)

	runErr := runGroup(runCtx, cmd, stdout, stderr)
	switch {
	case stdout.overflowed():
		return nil, fmt.Errorf("%s: output larger than %d bytes", a.Name, limit)
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%s: timeout after %s%s", a.Name, timeout, stderr.suffix())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return nil, fmt.Errorf("%s: %w%s", a.Name, runErr, stderr.suffix())
	}
	results, parseErr := ParseSARIF(stdout.Bytes())
	if parseErr == nil {
		return results, nil
	}
	if exitErr != nil {
		return nil, fmt.Errorf("%s: %s without valid SARIF output%s", a.Name, exitErr.ProcessState, stderr.suffix())
	}
	return nil, fmt.Errorf("%s: %w%s", a.Name, parseErr, stderr.suffix())
}

// runGroup starts cmd (prepared to lead its own process group), waits until
// it exits or ctx is done, and then kills its whole process group, however
// the tool ended: no child of a tool outlives it. Its standard output and
// error go to stdout and stderr through pipes that are read until every
// process holding them is gone, or at most [waitDelay] after the group was
// killed.
func runGroup(ctx context.Context, cmd *exec.Cmd, stdout, stderr io.Writer) error {
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	defer outR.Close()
	defer errR.Close()
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	// The tool holds the write ends now; the reads end when it and every
	// process it left behind are gone.
	outW.Close()
	errW.Close()
	if err != nil {
		return err
	}
	var copies sync.WaitGroup
	copies.Go(func() { _, _ = io.Copy(stdout, outR) })
	copies.Go(func() { _, _ = io.Copy(stderr, errR) })

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var waitErr error
	done := false
	select {
	case waitErr = <-exited:
		done = true
	case <-ctx.Done():
	}
	// The tool's process group outlives its leader as long as a member
	// lives, so its id cannot have been reused yet when one is left.
	killErr := killGroup(cmd.Process)
	switch {
	case killErr == nil && !done:
		waitErr = <-exited
	case killErr != nil:
		// Not allowed to signal the tool's user (no CAP_KILL): whatever
		// is left runs on, and Wait returns when the tool exits.
		killErr = fmt.Errorf("kill the process group: %w", killErr)
	}

	copied := make(chan struct{})
	go func() {
		copies.Wait()
		close(copied)
	}()
	timer := time.NewTimer(waitDelay)
	defer timer.Stop()
	select {
	case <-copied:
	case <-timer.C:
		// A process that left the group still holds a pipe.
		_ = outR.SetReadDeadline(time.Now())
		_ = errR.SetReadDeadline(time.Now())
		<-copied
	}
	if killErr != nil {
		return killErr
	}
	return waitErr
}

// env returns the tool's environment: PATH from the worker, HOME and TMPDIR
// in the run's scratch directory, then a.Env.
func (a Analyzer) env(t *tree) []string {
	var env []string
	if v, ok := os.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+v)
	}
	env = append(env, "HOME="+t.home, "TMPDIR="+t.tmp)
	return append(env, a.Env...)
}

// limitedBuffer keeps up to limit bytes; on more it discards the rest, marks
// itself overflowed and calls onOverflow once.
type limitedBuffer struct {
	mu         sync.Mutex
	buf        bytes.Buffer
	limit      int64
	over       bool
	onOverflow func()
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over {
		return len(p), nil
	}
	if room := b.limit - int64(b.buf.Len()); int64(len(p)) > room {
		b.buf.Write(p[:room])
		b.over = true
		b.onOverflow()
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) overflowed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// Bytes returns the kept output; call it only after the process finished.
func (b *limitedBuffer) Bytes() []byte { return b.buf.Bytes() }

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if extra := len(b.buf) - b.limit; extra > 0 {
		b.buf = append(b.buf[:0], b.buf[extra:]...)
	}
	return len(p), nil
}

// suffix returns ": stderr: <last stderrTailBytes bytes, trimmed>", or ""
// without any standard error.
func (b *tailBuffer) suffix() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := b.buf[max(0, len(b.buf)-stderrTailBytes):]
	s := strings.TrimSpace(strings.ToValidUTF8(string(tail), "\uFFFD"))
	if s == "" {
		return ""
	}
	return ": stderr: " + s
}
