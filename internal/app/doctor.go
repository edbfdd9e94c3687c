package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/doctor"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// ErrChecksFailed is doctor's result when a check failed (exit status 1).
var ErrChecksFailed = errors.New("doctor: checks failed")

// DoctorMain is the doctor subcommand: read-only checks of the PAT, the
// repository, the permissions and the service hooks, printed as a table,
// and with --probe-pull-request N a write probe on pull request N.
func DoctorMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, az := RegisterCommon(fs), RegisterAzureDevOps(fs)
	var cfg doctor.Config
	fs.StringVar(&cfg.Project, "project", "", "project to check, by name or id (required)")
	fs.StringVar(&cfg.Repository, "repository", "", "repository to check, by name or id (required)")
	fs.StringVar(&cfg.WebhookURL, "webhook-url", "", "public URL of the webhook endpoint the service hooks should deliver to")
	fs.IntVar(&cfg.ProbePullRequest, "probe-pull-request", 0, "write probe: create a comment thread on this pull request of the repository, read it back and delete it (0: write nothing)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if cfg.Project == "" || cfg.Repository == "" {
		return fmt.Errorf("%w: doctor needs --project and --repository", ErrUsage)
	}
	if cfg.ProbePullRequest < 0 {
		return fmt.Errorf("%w: --probe-pull-request / PROBE_PULL_REQUEST must be a pull request id, not %d", ErrUsage, cfg.ProbePullRequest)
	}
	p, client, err := startAzureDevOpsCommand(ctx, c, az, "azreviewer-doctor")
	if err != nil {
		return err
	}
	defer p.Close()
	checks := doctor.Run(ctx, client, cfg)
	doctor.Print(stdout, checks)
	if doctor.Failed(checks) {
		return ErrChecksFailed
	}
	return nil
}

// startAzureDevOpsCommand sets up a set-up command that talks to Azure
// DevOps: its process (logger, tracing) and client.
func startAzureDevOpsCommand(ctx context.Context, c *Common, az *AzureDevOps, service string) (*Process, *azdo.Client, error) {
	p, err := StartProcess(ctx, c, service, telemetry.Options{})
	if err != nil {
		return nil, nil, err
	}
	client, err := az.Client(ctx, "", nil, nil)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, client, nil
}

// Subcommand returns the doctor subcommand's arguments when args start
// with "doctor".
func Subcommand(args []string) ([]string, bool) {
	if len(args) > 0 && args[0] == "doctor" {
		return args[1:], true
	}
	return nil, false
}
