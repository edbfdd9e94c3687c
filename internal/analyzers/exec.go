package analyzers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// waitDelay is how long Wait waits for the output pipes after the process
// was killed or exited, in case a grandchild holds them open.
const waitDelay = 5 * time.Second

// run runs the tool in the tree and parses its SARIF output.
func (a Analyzer) run(ctx context.Context, t *tree) ([]SARIFResult, error) {
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
		args = append(args, t.rels...)
	}
	cmd := exec.CommandContext(runCtx, a.Command[0], args...)
	cmd.Dir = t.dir
	cmd.Env = a.env()
	cmd.Stdin = nil
	stdout := &limitedBuffer{limit: limit, onOverflow: cancel}
	stderr := &tailBuffer{limit: maxStderrBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	setProcessGroup(cmd)

	runErr := cmd.Run()
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

// env returns the tool's environment: PATH, HOME and TMPDIR from the worker,
// then a.Env.
func (a Analyzer) env() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
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
