// This file is "delivery fullreview": full reviews of pull requests of F
// changed files against the Azure DevOps simulator — the calls each costs,
// split into content reads (bulk blob reads and items) and the rest,
// against issue 14's bound, and the peak resident memory of the process
// that reviews, against `git diff` of the same change in the same run.
// Each review runs in a process of its own (this command, re-run with
// "fullreview -review"), whose peak RSS the kernel reports when it exits
// (getrusage's ru_maxrss, the figure /usr/bin/time -v prints as "Maximum
// resident set size"). The simulator runs in this process, on loopback,
// and stops with it.
//
//	go run ./bench/delivery fullreview                      # F = 1, 10, 100, 1000; 100 lines a file
//	go run ./bench/delivery fullreview -files 1000 -peritem  # also the reads one by one, for comparison
//	go build -o /tmp/worker ./cmd/worker
//	go run ./bench/delivery fullreview -files 1000 -worker /tmp/worker  # also a real worker process
//	go run ./bench/delivery fullreview -files 1000 -config defaults -worker /tmp/before,/tmp/after
//
// With -worker, the largest pull request is also reviewed by a worker
// process as deployed (NATS_URL to an embedded JetStream server this
// command starts, the review request published by ingest from the pull
// request's created event, WORKER_CONCURRENCY 4), by each of the
// comma-separated binaries in turn, one row each; its peak RSS is the
// kernel's VmHWM of the process once the review's status is posted.
//
// Every file has -lines lines, each edited (so F × lines added and as many
// deleted lines); the first file also gets one finding, a line of its own
// (one added line more). With -config
// lifted (the default) the repository's .azreviewer.yaml lifts its limits
// (max_files and max_lines 0), so that the reviewers see the whole pull
// request whatever the defaults. With -config defaults it sets nothing but
// its version, so the review runs at the defaults of the binary that
// reviews; the last file then gets a finding too, each finding in place
// of a file's last edited line (F × lines added lines exactly, not one
// more), and the table says how many changed files the summary lists as
// not reviewed. The reviewing
// processes of the "bulk" and "by path" rows are this command's binary,
// which links more (the embedded nats-server) than a worker: compare rows,
// not binaries.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// frPAT is the simulator's token for the reviewing process (loopback only).
const frPAT = "fullreviewbenchtokenfullreviewbenchtokenfullreviewbe"

// frBound is issue 14's bound of a full review of files files: calls ≤
// frBound + 2 × findings posted.
func frBound(files int) int {
	if files > 100 {
		return 12
	}
	return 8
}

// fullReviewMain runs "delivery fullreview ARGS" (see fullreview.go's
// comment); its exit code is 1 when it failed, 2 for a usage error.
func fullReviewMain(args []string) int {
	fs := flag.NewFlagSet("delivery fullreview", flag.ContinueOnError)
	filesFlag := fs.String("files", "1,10,100,1000", "comma-separated numbers of changed files, one review each (at most 5000)")
	lines := fs.Int("lines", 100, "lines of each file, all edited (at most 1000)")
	perItem := fs.Bool("peritem", false, "also review the largest pull request reading every version by path (AZDO_BLOB_BATCH_FILES=-1)")
	workerBin := fs.String("worker", "", "also review the largest pull request with these worker binaries, comma-separated, one after the other (go build ./cmd/worker)")
	configMode := fs.String("config", frLifted, "the repository's .azreviewer.yaml: \""+frLifted+"\" (limits 0: the whole pull request whatever the defaults) or \""+frDefaults+"\" (version only: the binary's defaults)")
	workerEnv := fs.String("worker-env", "", "comma-separated KEY=VALUE settings added to the worker process's environment, e.g. MAX_FILES=1000")
	profile := fs.String("profile", "", "write the heap profile of the largest bulk review, at its largest live heap, here (go tool pprof -sample_index=inuse_space)")
	// The reviewing process's flags.
	review := fs.Bool("review", false, "internal: review one pull request and exit")
	orgURL := fs.String("org", "", "internal: organisation URL")
	project := fs.String("project", "", "internal: project")
	repo := fs.String("repo", "", "internal: repository id")
	prID := fs.Int("pr", 0, "internal: pull request id")
	batch := fs.Int("batch", 0, "internal: azdo.Config.BlobBatchFiles")
	memProfile := fs.String("memprofile", "", "internal: write the heap profile taken at the review's largest live heap here")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *review {
		if err := frReviewOne(*orgURL, *project, *repo, *prID, *batch, *memProfile); err != nil {
			fmt.Fprintln(os.Stderr, "delivery fullreview -review:", err)
			return 1
		}
		return 0
	}
	var sizes []int
	for _, s := range strings.Split(*filesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 5000 {
			fmt.Fprintln(os.Stderr, "usage: delivery fullreview [-files 1,10,100,1000] [-lines 100] [-peritem] [-worker BIN [-worker-env K=V,…]]")
			return 2
		}
		sizes = append(sizes, n)
	}
	if *configMode != frLifted && *configMode != frDefaults {
		fmt.Fprintf(os.Stderr, "delivery fullreview: -config must be %s or %s\n", frLifted, frDefaults)
		return 2
	}
	if *lines < 1 || *lines > 1000 {
		fmt.Fprintln(os.Stderr, "delivery fullreview: -lines must be 1 to 1000")
		return 2
	}
	var env []string
	if *workerEnv != "" {
		env = strings.Split(*workerEnv, ",")
	}
	var bins []string
	if *workerBin != "" {
		bins = strings.Split(*workerBin, ",")
	}
	if err := runFullReview(sizes, *lines, *configMode, *perItem, *profile, bins, env); err != nil {
		fmt.Fprintln(os.Stderr, "delivery fullreview:", err)
		return 1
	}
	return 0
}

// frResult is what the reviewing process reports.
type frResult struct {
	Outcome       string `json:"outcome"`
	FilesReviewed int    `json:"files_reviewed"`
	Skipped       int    `json:"skipped"`
	Threads       int    `json:"threads"`
	Findings      int    `json:"findings"`
	Seconds       float64
	// HeapSys and Sys are the Go runtime's memory from the OS after the
	// review: the heap, and everything.
	HeapSys uint64 `json:"heap_sys"`
	Sys     uint64 `json:"sys"`
}

// frRow is one line of the table.
type frRow struct {
	label            string
	files, lines     int
	content, others  int
	findings, bound  int
	maxRSSKiB        int64
	gitDiffMaxRSSKiB int64
	// idleKiB is a worker process's peak RSS before the review (0: not
	// measured).
	idleKiB int64
	// notReviewed is how many changed files a worker process's summary
	// lists as not reviewed (-1: not read).
	notReviewed int
	res         frResult
}

// The -config modes.
const (
	// frLifted: the repository's file lifts the limits.
	frLifted = "lifted"
	// frDefaults: the repository's file sets no limit.
	frDefaults = "defaults"
)

func runFullReview(sizes []int, lines int, configMode string, perItem bool, profile string, workerBins, workerEnv []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fullreview-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	sim, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()
	sim.AddPAT(frPAT, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "Azure Reviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := sim.AddOrg("Fabrikam Fiber")
	proj := org.AddProject("Web Platform")
	repo := proj.AddRepository("web-app")

	var rows []frRow
	newPR := func(files int) (*azdosim.PullRequest, map[string]string, map[string]string) {
		base, head := frSources(files, lines, configMode)
		pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
			Title: fmt.Sprintf("Change %d files", files), Base: repo.Commit(base), Head: repo.Commit(head),
			CreatedBy: azdosim.Identity{DisplayName: "Jamal Hartnett", UniqueName: "jamal@fabrikam.example"},
		})
		return pr, base, head
	}
	// count adds the calls logged since before to r.
	count := func(r *frRow, before int) {
		for _, q := range sim.Requests()[before:] {
			switch q.Operation {
			case "location.options", "location.resourceAreas.list", "location.resourceAreas.get":
				// Endpoint discovery: once per process, not per review.
			case "git.blobs.zip", "git.items.get":
				r.content++
			default:
				r.others++
			}
		}
	}
	reviewPR := func(label string, files, batch int, profile string) error {
		pr, base, head := newPR(files)
		before := len(sim.Requests())
		cmd := exec.CommandContext(ctx, self, "fullreview", "-review", "-org", org.URL(), "-project", proj.Name(), "-repo", repo.ID(),
			"-pr", strconv.Itoa(pr.ID()), "-batch", strconv.Itoa(batch), "-memprofile", profile)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("review of %d files: %w", files, err)
		}
		var res frResult
		if err := json.Unmarshal(out, &res); err != nil {
			return fmt.Errorf("review of %d files: %w: %s", files, err, out)
		}
		r := frRow{label: label, files: files, lines: lines, findings: res.Threads, bound: frBound(files), res: res, maxRSSKiB: frMaxRSS(cmd.ProcessState), notReviewed: res.Skipped}
		count(&r, before)
		if r.gitDiffMaxRSSKiB, err = frGitDiff(ctx, filepath.Join(dir, strconv.Itoa(len(rows))), base, head); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}
	for i, files := range sizes {
		p := ""
		if i == len(sizes)-1 {
			p = profile
		}
		if err := reviewPR("bulk", files, 0, p); err != nil {
			return err
		}
	}
	if perItem {
		if err := reviewPR("by path", sizes[len(sizes)-1], -1, ""); err != nil {
			return err
		}
	}
	for i, bin := range workerBins {
		files := sizes[len(sizes)-1]
		pr, base, head := newPR(files)
		r := frRow{label: "worker", files: files, lines: lines, bound: frBound(files)}
		if len(workerBins) > 1 {
			r.label = filepath.Base(bin)
		}
		var err error
		if r.maxRSSKiB, r.res.Threads, r.res.Seconds, err = frWorkerProcess(ctx, bin, workerEnv, filepath.Join(dir, "worker"+strconv.Itoa(i)), sim, org.URL(), pr, func() int { return len(sim.Requests()) }, &r, count); err != nil {
			return err
		}
		r.findings = r.res.Threads
		r.notReviewed = frNotReviewed(pr)
		if r.gitDiffMaxRSSKiB, err = frGitDiff(ctx, filepath.Join(dir, "worker-git"+strconv.Itoa(i)), base, head); err != nil {
			return err
		}
		rows = append(rows, r)
	}

	fmt.Printf("%-8s %6s %8s %8s %8s %6s %9s %9s %8s %10s %10s %13s %8s %12s\n",
		"reads", "files", "lines", "content", "others", "calls", "bound", "threads", "seconds", "Go heap", "peak RSS", "git diff RSS", "ratio", "not reviewed")
	for _, r := range rows {
		limit := r.bound + 2*r.findings
		heap := "-" // a worker process reports none
		if r.res.HeapSys > 0 {
			heap = fmt.Sprintf("%.1f MiB", float64(r.res.HeapSys)/(1<<20))
		}
		notReviewed := "?"
		if r.notReviewed >= 0 {
			notReviewed = strconv.Itoa(r.notReviewed)
		}
		fmt.Printf("%-8s %6d %8d %8d %8d %6d %4d%-5s %9d %8.2f %10s %6.1f MiB %9.1f MiB %8.2f %12s\n",
			r.label, r.files, r.files*r.lines, r.content, r.others, r.content+r.others, limit, frOK(r.content+r.others <= limit),
			r.res.Threads, r.res.Seconds, heap, float64(r.maxRSSKiB)/1024, float64(r.gitDiffMaxRSSKiB)/1024,
			float64(r.maxRSSKiB)/float64(max(r.gitDiffMaxRSSKiB, 1)), notReviewed)
	}
	for _, r := range rows {
		if r.idleKiB > 0 {
			fmt.Printf("the %s process's peak RSS before the review: %.1f MiB\n", r.label, float64(r.idleKiB)/1024)
		}
	}
	fmt.Println("calls exclude endpoint discovery (once per process); bound: 8 + 2 × threads posted for F ≤ 100, 12 + 2 × threads for F = 1,000")
	fmt.Printf(".azreviewer.yaml: %s; not reviewed: the changed files the review skipped (limits, MAX_FILES)\n", configMode)
	return nil
}

func frOK(ok bool) string {
	if ok {
		return " ok"
	}
	return " OVER"
}

// sources is a pull request of files files of lines lines, every line
// edited, the first file with one finding, and a configuration that lifts
// the review's limits (mode frLifted) or sets none (frDefaults, where the
// last file gets a finding too).
func frSources(files, lines int, mode string) (base, head map[string]string) {
	config := "version: 1\nlimits: {max_files: 0, max_lines: 0}\n"
	if mode == frDefaults {
		config = "version: 1\n"
	}
	base, head = map[string]string{"/.azreviewer.yaml": config}, map[string]string{"/.azreviewer.yaml": config}
	for f := range files {
		var b, h strings.Builder
		finding := f == 0 || (mode == frDefaults && f == files-1)
		for l := range lines {
			fmt.Fprintf(&b, "export const value_%d_%d = compute(%d, \"file %d, line %d\");\n", f, l, l, f, l)
			if finding && mode == frDefaults && l == lines-1 {
				// The finding is the last edited line: F × lines added
				// lines exactly, within the default max_lines.
				h.WriteString("console.log(\"debugging\");\n")
				continue
			}
			fmt.Fprintf(&h, "export const value_%d_%d = computeAgain(%d, \"file %d, line %d\", %d);\n", f, l, l, f, l, l*f)
		}
		if finding && mode == frLifted {
			h.WriteString("console.log(\"debugging\");\n")
		}
		path := fmt.Sprintf("/src/pkg%02d/module%04d.js", f%40, f)
		base[path], head[path] = b.String(), h.String()
	}
	return base, head
}

// gitDiff writes base and head as two commits of a new repository in dir
// and returns the peak RSS of `git diff` between them.
func frGitDiff(ctx context.Context, dir string, base, head map[string]string) (int64, error) {
	git := func(args ...string) (*os.ProcessState, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("git %s: %w: %s", args[0], err, out)
		}
		return cmd.ProcessState, nil
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
	if _, err := git("init", "-q"); err != nil {
		return 0, err
	}
	for i, tree := range []map[string]string{base, head} {
		if err := write(tree); err != nil {
			return 0, err
		}
		if _, err := git("add", "-A"); err != nil {
			return 0, err
		}
		if _, err := git("commit", "-q", "-m", strconv.Itoa(i)); err != nil {
			return 0, err
		}
	}
	// The whole patch, as a reviewer reads it (written to a pipe and
	// discarded).
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "diff", "--no-color", "HEAD~1", "HEAD")
	cmd.Stdout = frDiscard{}
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("git diff: %w", err)
	}
	return frMaxRSS(cmd.ProcessState), nil
}

// frDiscard is an io.Writer that drops everything (os/exec then copies
// through a pipe, as a terminal would read it).
type frDiscard struct{}

func (frDiscard) Write(p []byte) (int, error) { return len(p), nil }

// maxRSS is a finished process's peak resident set size in KiB.
func frMaxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// reviewOne reviews one pull request as a worker does and prints the
// frResult as JSON.
func frReviewOne(orgURL, project, repo string, prID, batch int, memProfile string) error {
	if orgURL == "" || project == "" || repo == "" || prID == 0 {
		return errors.New("-org, -project, -repo and -pr are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client, err := azdo.New(azdo.Config{OrgURL: orgURL, PAT: frPAT, BlobBatchFiles: batch, RequestsPerSecond: -1})
	if err != nil {
		return err
	}
	w, err := worker.New(worker.Config{OrgURL: orgURL, ReviewTimeout: 10 * time.Minute, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	if err != nil {
		return err
	}
	// The heap profile kept is the one taken when the live heap (as of the
	// last collection) was largest.
	var peak bytes.Buffer
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	if memProfile != "" {
		go func() {
			defer close(sampled)
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var most uint64
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stopSampling:
					return
				case <-tick.C:
				}
				metrics.Read(sample)
				if v := sample[0].Value.Uint64(); v > most {
					most = v
					peak.Reset()
					_ = pprof.Lookup("heap").WriteTo(&peak, 0)
				}
			}
		}()
	} else {
		close(sampled)
	}
	start := time.Now()
	rep, err := w.Review(ctx, &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "bench",
		OrgURL: orgURL, ProjectID: project, RepositoryID: repo, PullRequestID: prID,
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	close(stopSampling)
	<-sampled
	if memProfile != "" {
		if err := os.WriteFile(memProfile, peak.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return json.NewEncoder(os.Stdout).Encode(frResult{
		Outcome: string(rep.Outcome), FilesReviewed: rep.FilesReviewed, Skipped: rep.SkippedFiles,
		Threads: rep.ThreadsPosted, Findings: rep.Findings, Seconds: took.Seconds(), HeapSys: ms.HeapSys, Sys: ms.Sys,
	})
}

// workerProcess reviews pr with a worker process of bin, fed by ingest
// through an embedded JetStream server, and returns the process's peak RSS
// (VmHWM, KiB) once the review's status is posted, the threads the review
// posted and how long it took from the delivery; the review's calls are
// added to r by count.
func frWorkerProcess(ctx context.Context, bin string, env []string, dir string, sim *azdosim.Server, orgURL string, pr *azdosim.PullRequest,
	logged func() int, r *frRow, count func(*frRow, int)) (int64, int, float64, error) {
	const token = "fullreview-webhook-token"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, 0, err
	}
	broker, err := apptest.StartBroker(filepath.Join(dir, "nats"))
	if err != nil {
		return 0, 0, 0, err
	}
	defer broker.Stop()
	nc, err := broker.Connect("fullreview")
	if err != nil {
		return 0, 0, 0, err
	}
	defer nc.Close()
	const ackWait = 30 * time.Second
	st, err := apptest.Provision(ctx, nc, streams.Config{AckWait: ackWait})
	if err != nil {
		return 0, 0, 0, err
	}
	proc, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
		Binary: bin, NATSURL: broker.URL, OrgURL: orgURL, PAT: frPAT, AckWait: ackWait, Concurrency: 4,
		LogPath: filepath.Join(dir, "worker.log"), Env: append([]string{"LOG_LEVEL=info"}, env...),
	})
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = proc.Stop() }()
	in, err := apptest.StartIngest(st.JS, token, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = in.Stop() }()

	threads := len(pr.Threads())
	statuses := sim.Count("git.statuses.create")
	if r.idleKiB, err = frVmHWM(proc.Pid()); err != nil {
		return 0, 0, 0, err
	}
	before := logged()
	start := time.Now()
	if d, err := in.Deliver(ctx, pr.Event(azdosim.EventPullRequestCreated)); err != nil || !d.Accepted() {
		return 0, 0, 0, fmt.Errorf("deliver the created event: %w (%+v)", err, d)
	}
	if err := sim.WaitRequests(ctx, "git.statuses.create", statuses+1); err != nil {
		return 0, 0, 0, fmt.Errorf("the worker posted no status: %w; see %s", err, filepath.Join(dir, "worker.log"))
	}
	if err := st.WaitSettled(ctx); err != nil {
		return 0, 0, 0, err
	}
	took := time.Since(start).Seconds()
	hwm, err := frVmHWM(proc.Pid())
	if err != nil {
		return 0, 0, 0, err
	}
	count(r, before)
	// Threads posted: the review's threads but the summary.
	return hwm, len(pr.Threads()) - threads - 1, took, nil
}

// vmHWM is a running process's peak resident set size in KiB, from
// /proc/PID/status.
func frVmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// frNotReviewed is how many changed files the summary of pr lists as not
// reviewed: those listed one by one and the "and N more files" of the
// list; 0 without a list, -1 without a summary.
func frNotReviewed(pr *azdosim.PullRequest) int {
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
