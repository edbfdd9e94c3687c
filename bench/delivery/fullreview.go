// This file is "delivery fullreview": full reviews of pull requests of F
// changed files against the Azure DevOps simulator — the calls each costs,
// split into content reads (bulk blob reads and items) and the rest,
// against the cost bound, and the peak resident memory of the process
// that reviews, against `git diff` of the same change in the same run.
// Each review runs in a process of its own (this command, re-run with
// "fullreview -review"), which reports its peak RSS (VmHWM) when the
// review is done; `git diff` runs under GNU time (/usr/bin/time), which
// reports its peak (getrusage's ru_maxrss of a process it forked: that of
// a process this one starts counts this one's RSS). The simulator runs in
// this process, on loopback, and stops with it. See package fullreview.
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
// deleted lines); the first file also gets one finding. With -config
// lifted (the default) the repository's .azreviewer.yaml lifts its limits
// (max_files and max_lines 0), so that the reviewers see the whole pull
// request whatever the defaults; with -config defaults it sets nothing but
// its version, the review runs at the defaults of the binary that reviews,
// the last file gets a finding too (see fullreview.Sources), and the table
// says how many changed files the summary lists as not reviewed. The
// reviewing processes of the
// "bulk" and "by path" rows are this command's binary, which links more
// (the embedded nats-server) than a worker: compare rows, not binaries.

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
	"time"

	"github.com/azreviewer/azreviewer/bench/delivery/fullreview"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// fullReviewMain runs "delivery fullreview ARGS" (see fullreview.go's
// comment); its exit code is 1 when it failed, 2 for a usage error.
func fullReviewMain(args []string) int {
	fs := flag.NewFlagSet("delivery fullreview", flag.ContinueOnError)
	filesFlag := fs.String("files", "1,10,100,1000", "comma-separated numbers of changed files, one review each (at most 5000)")
	lines := fs.Int("lines", 100, "lines of each file, all edited (at most 1000)")
	perItem := fs.Bool("peritem", false, "also review the largest pull request reading every version by path (AZDO_BLOB_BATCH_FILES=-1)")
	workerBin := fs.String("worker", "", "also review the largest pull request with these worker binaries, comma-separated, one after the other (go build ./cmd/worker)")
	config := fs.String("config", fullreview.Lifted, "the repository's .azreviewer.yaml: \""+fullreview.Lifted+"\" (limits 0: the whole pull request whatever the defaults) or \""+fullreview.Defaults+"\" (version only: the binary's defaults)")
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
	if *config != fullreview.Lifted && *config != fullreview.Defaults {
		fmt.Fprintf(os.Stderr, "delivery fullreview: -config must be %s or %s\n", fullreview.Lifted, fullreview.Defaults)
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
	if err := runFullReview(sizes, *lines, *config, *perItem, *profile, bins, env); err != nil {
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
	// PeakKiB is the process's peak RSS after the review (its VmHWM: the
	// ru_maxrss its parent sees counts the parent's RSS at the start).
	PeakKiB int64 `json:"peak_kib"`
}

// frRow is one line of the table.
type frRow struct {
	label            string
	files, lines     int
	calls            fullreview.Calls
	findings, bound  int
	maxRSSKiB        int64
	gitDiffMaxRSSKiB int64
	// idleKiB is a worker process's peak RSS before the review (0: not
	// measured).
	idleKiB int64
	// notReviewed is how many changed files the review skipped (-1: not
	// known).
	notReviewed int
	res         frResult
}

func runFullReview(sizes []int, lines int, config string, perItem bool, profile string, workerBins, workerEnv []string) error {
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

	sim, err := fullreview.StartSim()
	if err != nil {
		return err
	}
	defer sim.Close()

	var rows []frRow
	reviewPR := func(label string, files, batch int, profile string) error {
		pr, base, head := sim.NewPR(files, lines, config)
		before := len(sim.Server.Requests())
		cmd := exec.CommandContext(ctx, self, "fullreview", "-review", "-org", sim.Org.URL(), "-project", sim.Project.Name(), "-repo", sim.Repo.ID(),
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
		r := frRow{label: label, files: files, lines: lines, findings: res.Threads, bound: fullreview.Bound(files), res: res,
			maxRSSKiB: res.PeakKiB, calls: sim.CallsSince(before), notReviewed: res.Skipped}
		if r.gitDiffMaxRSSKiB, err = fullreview.GitDiff(ctx, filepath.Join(dir, strconv.Itoa(len(rows))), base, head); err != nil {
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
		pr, base, head := sim.NewPR(files, lines, config)
		res, err := fullreview.Worker{Binary: bin, Env: workerEnv, Dir: filepath.Join(dir, "worker"+strconv.Itoa(i))}.Review(ctx, sim, pr)
		if err != nil {
			return err
		}
		r := frRow{label: "worker", files: files, lines: lines, bound: fullreview.Bound(files), findings: res.Threads,
			calls: res.Calls, maxRSSKiB: res.PeakKiB, idleKiB: res.IdleKiB, res: frResult{Threads: res.Threads, Seconds: res.Took.Seconds()},
			notReviewed: fullreview.NotReviewed(pr)}
		if len(workerBins) > 1 {
			r.label = filepath.Base(bin)
		}
		if r.gitDiffMaxRSSKiB, err = fullreview.GitDiff(ctx, filepath.Join(dir, "worker-git"+strconv.Itoa(i)), base, head); err != nil {
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
			r.label, r.files, r.files*r.lines, r.calls.Content, r.calls.Others, r.calls.Total(), limit, frOK(r.calls.Total() <= limit),
			r.res.Threads, r.res.Seconds, heap, float64(r.maxRSSKiB)/1024, float64(r.gitDiffMaxRSSKiB)/1024,
			float64(r.maxRSSKiB)/float64(max(r.gitDiffMaxRSSKiB, 1)), notReviewed)
	}
	for _, r := range rows {
		if r.idleKiB > 0 {
			fmt.Printf("the %s process's peak RSS before the review: %.1f MiB\n", r.label, float64(r.idleKiB)/1024)
		}
	}
	fmt.Println("calls exclude endpoint discovery (once per process); bound: 8 + 2 × threads posted for F ≤ 100, 12 + 2 × threads for F = 1,000")
	fmt.Printf(".azreviewer.yaml: %s; not reviewed: the changed files the review skipped (limits, MAX_FILES)\n", config)
	return nil
}

func frOK(ok bool) string {
	if ok {
		return " ok"
	}
	return " OVER"
}

// reviewOne reviews one pull request as a worker does and prints the
// frResult as JSON.
func frReviewOne(orgURL, project, repo string, prID, batch int, memProfile string) error {
	if orgURL == "" || project == "" || repo == "" || prID == 0 {
		return errors.New("-org, -project, -repo and -pr are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client, err := azdo.New(azdo.Config{OrgURL: orgURL, PAT: fullreview.PAT, BlobBatchFiles: batch, RequestsPerSecond: -1})
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
	hwm, err := fullreview.VmHWM("self")
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(frResult{
		Outcome: string(rep.Outcome), FilesReviewed: rep.FilesReviewed, Skipped: rep.SkippedFiles,
		Threads: rep.ThreadsPosted, Findings: rep.Findings, Seconds: took.Seconds(), HeapSys: ms.HeapSys, Sys: ms.Sys, PeakKiB: hwm,
	})
}
