// Package fullreview measures full reviews of pull requests of F changed
// files against the Azure DevOps simulator: the calls each costs, split
// into content reads and the rest, and the peak resident memory of the
// process that reviews against `git diff` of the same change in the same
// run. Command delivery ("delivery fullreview") and bench/cost print it.
//
// Everything runs on loopback: the simulator in this process, a worker
// process (WorkerProcess) fed by ingest through an embedded JetStream
// server, and git in a temporary directory.
package fullreview

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// PAT is the simulator's token for the reviewing process (loopback only).
const PAT = "fullreviewbenchtokenfullreviewbenchtokenfullreviewbe"

// Sim is the simulator with one organisation, project and repository that
// the reviewing processes review in.
type Sim struct {
	Server  *azdosim.Server
	Org     *azdosim.Org
	Project *azdosim.Project
	Repo    *azdosim.Repository
}

// StartSim starts the simulator on loopback; Close stops it.
func StartSim() (*Sim, error) {
	srv, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv.AddPAT(PAT, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "Azure Reviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := srv.AddOrg("Fabrikam Fiber")
	proj := org.AddProject("Web Platform")
	return &Sim{Server: srv, Org: org, Project: proj, Repo: proj.AddRepository("web-app")}, nil
}

// Close stops the simulator.
func (s *Sim) Close() error { return s.Server.Close() }

// NewPR opens a pull request of Sources(files, lines, config) and returns
// it with its trees.
func (s *Sim) NewPR(files, lines int, config string) (pr *azdosim.PullRequest, base, head map[string]string) {
	base, head = Sources(files, lines, config)
	pr = s.Repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title: fmt.Sprintf("Change %d files", files), Base: s.Repo.Commit(base), Head: s.Repo.Commit(head),
		CreatedBy: azdosim.Identity{DisplayName: "Jamal Hartnett", UniqueName: "jamal@fabrikam.example"},
	})
	return pr, base, head
}

// Calls are a review's Azure DevOps calls, endpoint discovery (once per
// process, not per review) left out.
type Calls struct{ Content, Others int }

// Total is every call.
func (c Calls) Total() int { return c.Content + c.Others }

// CallsSince counts the calls logged after the first before.
func (s *Sim) CallsSince(before int) Calls {
	var c Calls
	for _, q := range s.Server.Requests()[before:] {
		switch {
		case q.Operation == "location.options", q.Operation == "location.resourceAreas.list", q.Operation == "location.resourceAreas.get":
			// Endpoint discovery: once per process, not per review.
		case workertest.IsContentRead(q.Operation):
			c.Content++
		default:
			c.Others++
		}
	}
	return c
}

// Bound is the cost bound of a full review of files files: calls ≤
// Bound + 2 × findings posted.
func Bound(files int) int { return workertest.FullReviewBound(files) }

// The repository's .azreviewer.yaml of a pull request Sources makes.
const (
	// Lifted lifts the review's limits (max_files and max_lines 0): the
	// reviewers see the whole pull request whatever the defaults.
	Lifted = "lifted"
	// Defaults sets nothing but the version: the review runs at the
	// defaults of the binary that reviews.
	Defaults = "defaults"
)

// Sources is a pull request of files files of lines lines, every line
// edited, the first file with one finding, and a configuration (Lifted or
// Defaults). With Defaults the last file gets a finding too, each finding
// in place of its file's last edited line, so that the pull request adds
// files × lines lines exactly (within a default max_lines of that size).
func Sources(files, lines int, config string) (base, head map[string]string) {
	file := "version: 1\nlimits: {max_files: 0, max_lines: 0}\n"
	if config == Defaults {
		file = "version: 1\n"
	}
	base, head = map[string]string{"/.azreviewer.yaml": file}, map[string]string{"/.azreviewer.yaml": file}
	for f := range files {
		var b, h strings.Builder
		finding := f == 0 || (config == Defaults && f == files-1)
		for l := range lines {
			fmt.Fprintf(&b, "export const value_%d_%d = compute(%d, \"file %d, line %d\");\n", f, l, l, f, l)
			if finding && config == Defaults && l == lines-1 {
				h.WriteString("console.log(\"debugging\");\n")
				continue
			}
			fmt.Fprintf(&h, "export const value_%d_%d = computeAgain(%d, \"file %d, line %d\", %d);\n", f, l, l, f, l, l*f)
		}
		if finding && config != Defaults {
			h.WriteString("console.log(\"debugging\");\n")
		}
		path := fmt.Sprintf("/src/pkg%02d/module%04d.js", f%40, f)
		base[path], head[path] = b.String(), h.String()
	}
	return base, head
}

// GitDiff writes base and head as two commits of a new repository in dir
// and returns the peak RSS of `git diff` between them, in KiB.
func GitDiff(ctx context.Context, dir string, base, head map[string]string) (int64, error) {
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w: %s", args[0], err, out)
		}
		return nil
	}
	write := func(tree map[string]string) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Name() != ".git" {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					return err
				}
			}
		}
		for p, content := range tree {
			full := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	if err := git("init", "-q"); err != nil {
		return 0, err
	}
	for i, tree := range []map[string]string{base, head} {
		if err := write(tree); err != nil {
			return 0, err
		}
		if err := git("add", "-A"); err != nil {
			return 0, err
		}
		if err := git("commit", "-q", "-m", strconv.Itoa(i)); err != nil {
			return 0, err
		}
	}
	// The whole patch, as a reviewer reads it (written to a pipe and
	// discarded), under GNU time, which forks git: a process os/exec
	// starts itself is cloned sharing this one's memory until it execs,
	// and its ru_maxrss counts this process's peak RSS up to then.
	if _, err := os.Stat(gnuTime); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoTime, err)
	}
	out := filepath.Join(dir, ".git", "maxrss")
	cmd := exec.CommandContext(ctx, gnuTime, "-f", "%M", "-o", out, "git", "-C", dir, "diff", "--no-color", "HEAD~1", "HEAD")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = discard{}, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("git diff: %w: %s", err, stderr.Bytes())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	kib, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("git diff's peak RSS from %s: %w", gnuTime, err)
	}
	return kib, nil
}

// gnuTime runs a command and reports its peak RSS ("-f %M", KiB).
const gnuTime = "/usr/bin/time"

// ErrNoTime is GitDiff's error when GNU time is not installed.
var ErrNoTime = errors.New("git diff's peak RSS is measured with GNU time (" + gnuTime + ")")

// discard is an io.Writer that drops everything (os/exec then copies
// through a pipe, as a terminal would read it).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// VmHWM is a running process's peak resident set size in KiB, from
// /proc/PID/status (pid "self": this process's).
func VmHWM(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// BuildWorker builds ./cmd/worker into dir as the Dockerfile builds the
// image's binaries — CGO_ENABLED=0, -trimpath, -ldflags "-s -w" (no
// version stamped) — and returns the binary's path.
func BuildWorker(ctx context.Context, dir string) (string, error) {
	root, err := apptest.ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "worker")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/worker")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/worker: %w\n%s", err, out)
	}
	return bin, nil
}

// Worker is one review by a worker process.
type Worker struct {
	// Binary is the worker binary; Env is added to its environment.
	Binary string
	Env    []string
	// Dir receives the JetStream store and the worker's log.
	Dir string
}

// WorkerResult is what a worker process's review cost.
type WorkerResult struct {
	// PeakKiB is the process's peak RSS (VmHWM) once the review's status
	// is posted, IdleKiB before the review.
	PeakKiB, IdleKiB int64
	// Files is the files the review read (its "review posted" log
	// record), Threads the threads it posted but the summary.
	Files, Threads int
	Calls          Calls
	Took           time.Duration
}

// Review reviews pr with a worker process of w.Binary, as deployed:
// NATS_URL to an embedded JetStream server on disk, the review request
// published by ingest from the pull request's created event,
// WORKER_CONCURRENCY 4.
func (w Worker) Review(ctx context.Context, sim *Sim, pr *azdosim.PullRequest) (WorkerResult, error) {
	const token = "fullreview-webhook-token"
	var res WorkerResult
	if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		return res, err
	}
	broker, err := apptest.StartBroker(filepath.Join(w.Dir, "nats"))
	if err != nil {
		return res, err
	}
	defer broker.Stop()
	nc, err := broker.Connect("fullreview")
	if err != nil {
		return res, err
	}
	defer nc.Close()
	const ackWait = 30 * time.Second
	st, err := apptest.Provision(ctx, nc, streams.Config{AckWait: ackWait})
	if err != nil {
		return res, err
	}
	logPath := filepath.Join(w.Dir, "worker.log")
	proc, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
		Binary: w.Binary, NATSURL: broker.URL, OrgURL: sim.Org.URL(), PAT: PAT, AckWait: ackWait, Concurrency: 4,
		LogPath: logPath, Env: append([]string{"LOG_LEVEL=info"}, w.Env...),
	})
	if err != nil {
		return res, err
	}
	defer func() { _ = proc.Stop() }()
	in, err := apptest.StartIngest(st.JS, token, nil)
	if err != nil {
		return res, err
	}
	defer func() { _ = in.Stop() }()

	threads := len(pr.Threads())
	statuses := sim.Server.Count("git.statuses.create")
	if res.IdleKiB, err = VmHWM(strconv.Itoa(proc.Pid())); err != nil {
		return res, err
	}
	before := len(sim.Server.Requests())
	start := time.Now()
	if d, err := in.Deliver(ctx, pr.Event(azdosim.EventPullRequestCreated)); err != nil || !d.Accepted() {
		return res, fmt.Errorf("deliver the created event: %w (%+v)", err, d)
	}
	if err := sim.Server.WaitRequests(ctx, "git.statuses.create", statuses+1); err != nil {
		return res, fmt.Errorf("the worker posted no status: %w; see %s", err, logPath)
	}
	if err := st.WaitSettled(ctx); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	if res.PeakKiB, err = VmHWM(strconv.Itoa(proc.Pid())); err != nil {
		return res, err
	}
	res.Calls = sim.CallsSince(before)
	// Threads posted: the review's threads but the summary.
	res.Threads = len(pr.Threads()) - threads - 1
	res.Files, err = filesReviewed(logPath)
	return res, err
}

// filesReviewed is the "files" of the last "review posted" record of a
// worker's JSON log.
func filesReviewed(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	files := -1
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Msg   string `json:"msg"`
			Files *int   `json:"files"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == worker.LogReviewPosted && rec.Files != nil {
			files = *rec.Files
		}
	}
	if files < 0 {
		return 0, fmt.Errorf("no %q record with files in %s", worker.LogReviewPosted, path)
	}
	return files, sc.Err()
}

// NotReviewed is how many changed files the summary of pr lists as not
// reviewed: those listed one by one and the "and N more" of the list; 0
// without a list, -1 without a summary.
func NotReviewed(pr *azdosim.PullRequest) int {
	for _, th := range pr.Threads() {
		if th.ThreadContext != nil || th.Comments == nil || len(*th.Comments) == 0 || (*th.Comments)[0].Content == nil {
			continue
		}
		text := *(*th.Comments)[0].Content
		if !strings.HasPrefix(text, "### azreviewer") {
			continue
		}
		_, list, ok := strings.Cut(text, "**Not reviewed:**\n")
		if !ok {
			return 0
		}
		n := 0
		for _, line := range strings.Split(list, "\n") {
			if !strings.HasPrefix(line, "- ") {
				break
			}
			var more int
			if _, err := fmt.Sscanf(line, "- and %d more", &more); err == nil {
				n += more
			} else {
				n++
			}
		}
		return n
	}
	return -1
}
