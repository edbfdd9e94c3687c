// Package allinone is the azreviewer command: an embedded JetStream server,
// ingest and a worker in one process, and the --demo scenario. It lives
// apart from package app so the ingest and worker binaries do not link the
// NATS server or the Azure DevOps simulator.
package allinone

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sourcegraph/conc/pool"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/demo"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// Main is the azreviewer command: an embedded JetStream server,
// ingest and a worker in one process; with --demo, the demo scenario.
// "azreviewer doctor" runs app.DoctorMain, "azreviewer config"
// app.ConfigMain, "azreviewer provision" app.ProvisionMain (against the
// NATS of NATS_URL: the embedded server provisions itself).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if app.PrintVersion(args, stdout) {
		return nil
	}
	if rest, ok := app.Subcommand(args); ok {
		return app.DoctorMain(ctx, rest, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "hooks" {
		return app.HooksMain(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "config" {
		return app.ConfigMain(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "provision" {
		return app.ProvisionMain(ctx, "azreviewer provision", args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("azreviewer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, ing, wc := app.RegisterCommon(fs), app.RegisterIngest(fs), app.RegisterWorker(fs)
	dataDir := fs.String("data-dir", "", "directory of the embedded JetStream store (empty: in memory, lost at exit)")
	demoMode := fs.Bool("demo", false, "run the demo: simulator, sample pull request, webhook, review, print, exit")
	demoTimeout := fs.Duration("demo-timeout", time.Minute, "longest the demo waits for the review")
	if err := app.ParseFlagsOnly(fs, args, "doctor", "config", "hooks", "provision"); err != nil {
		return err
	}
	// Before any secret is read or any tool runs.
	if err := wc.Protect(); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	var recorder *demo.Recorder
	var procs []sdktrace.SpanProcessor
	if *demoMode {
		recorder = &demo.Recorder{}
		procs = append(procs, recorder)
	}
	p, err := app.StartProcess(ctx, c, "azreviewer", telemetry.Options{Processors: procs})
	if err != nil {
		return err
	}
	defer p.Close()

	var scenario *demo.Scenario
	if *demoMode {
		if scenario, err = demo.Start(); err != nil {
			return err
		}
		defer scenario.Close()
		wc.OrgURL, wc.PAT, wc.PATFile, wc.OrgsFile = scenario.Org.URL(), scenario.PAT, "", ""
		if !given["ingest-addr"] {
			ing.Addr = "127.0.0.1:0"
		}
		if ing.BasicUser == "" && ing.Token == "" {
			ing.BasicUser, ing.BasicPassword, ing.Token = "azure-devops", demo.RandomSecret(), demo.RandomSecret()
		}
	}

	ing.OrgURL, ing.OrgsFile = wc.OrgURL, wc.OrgsFile
	// No listener: only this process reaches its streams and buckets.
	srv, err := broker.Start(broker.Options{DataDir: *dataDir, InProcess: true})
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	c.Stream.Memory = *dataDir == ""
	p.Log.InfoContext(ctx, "embedded JetStream started", "listener", "none (in process)", "data_dir", *dataDir, "memory", c.Stream.Memory)
	nc, err := srv.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	// The embedded server is this process's own: it provisions for itself.
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("open JetStream: %w", err)
	}
	if _, err := app.ProvisionFleet(ctx, js, c, p.Log); err != nil {
		return err
	}
	js, st, err := app.OpenStream(ctx, nc, c, provision.WorkerScope, p.Log)
	if err != nil {
		return err
	}
	reg := app.NewRegistry()
	ln, h, err := app.ListenIngest(ing, c.Stream.Fleet, js, reg, p.Log)
	if err != nil {
		return err
	}

	// A task that fails (a worker configuration mistake) stops the demo
	// at once, rather than after --demo-timeout.
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	stopOnError := func(err error) error {
		if err != nil {
			stop(err)
		}
		return err
	}
	tasks := pool.New().WithErrors().WithContext(runCtx).WithCancelOnError()
	tasks.Go(func(ctx context.Context) error { return stopOnError(app.RunIngest(ctx, ln, h, p.Log)) })
	tasks.Go(func(ctx context.Context) error {
		return stopOnError(app.RunWorker(ctx, c, wc, app.WorkerDeps{JS: js, Stream: st, Registry: reg, Log: p.Log,
			// The webhook receiver publishes the organisations the worker serves.
			OnReload: func(err error) {
				if err == nil {
					ing.ReloadOrganisations(ctx, p.Log)
				}
			}}))
	})
	if !*demoMode {
		return tasks.Wait()
	}

	demoErr := runDemo(runCtx, scenario, demo.Webhook{
		URL:       "http://" + ln.Addr().String() + ingest.WebhookPath,
		BasicUser: ing.BasicUser, BasicPassword: ing.BasicPassword, Token: ing.Token,
	}, *demoTimeout, stdout, recorder)
	stop(nil)
	if err := tasks.Wait(); err != nil {
		return err // why the demo could not finish
	}
	return demoErr
}

// runDemo delivers the sample webhook, waits for the review and prints it.
func runDemo(ctx context.Context, s *demo.Scenario, hook demo.Webhook, timeout time.Duration, out io.Writer, rec *demo.Recorder) error {
	start := time.Now()
	fmt.Fprintf(out, "Azure DevOps simulator: %s  project %q  repository %q  pull request %d\n",
		s.Org.URL(), demo.ProjectName, demo.RepoName, s.PR.ID())
	status, err := s.SendWebhook(ctx, hook)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "webhook git.pullrequest.created -> %s: %d %s\n", hook.URL, status, http.StatusText(status))
	if status != http.StatusAccepted {
		return fmt.Errorf("ingest answered %d to the demo webhook, want 202", status)
	}

	waitCtx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("no summary thread after %s (see the log above)", timeout))
	defer cancel()
	threads, err := s.WaitForReview(waitCtx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nthreads posted on pull request %d:\n", s.PR.ID())
	findings := demo.PrintThreads(out, threads)
	fmt.Fprintln(out)
	// The worker's process span ends once the message is acknowledged,
	// just after the summary is posted.
	spanCtx, cancelSpans := context.WithTimeout(ctx, 2*time.Second)
	defer cancelSpans()
	rec.WaitForSpan(spanCtx, "process ")
	demo.PrintStatuses(out, s.PR.Statuses())
	demo.PrintTrace(out, rec.Spans(), "POST "+ingest.WebhookPath)
	fmt.Fprintf(out, "\nreview complete: %d finding threads and a summary posted in %s\n", findings, time.Since(start).Round(time.Millisecond))
	return nil
}
