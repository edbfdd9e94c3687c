package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/doctor"
	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// ErrChecksFailed is doctor's result when a check failed (exit status 1).
var ErrChecksFailed = errors.New("doctor: checks failed")

// DoctorMain is the doctor subcommand: read-only checks of each
// organisation's credential and, given --project and --repository, of the
// repository, the permissions and the service hooks, printed as one table
// per organisation; with --probe-pull-request N a write probe on pull
// request N. With an organisations file it checks every organisation, or
// the one --org names.
func DoctorMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, az := RegisterCommon(fs), RegisterAzureDevOps(fs)
	var cfg doctor.Config
	var org string
	fs.StringVar(&org, "org", "", "organisation of the organisations file to check, by name or URL (default: every one)")
	fs.StringVar(&cfg.Project, "project", "", "project to check, by name or id (required without an organisations file)")
	fs.StringVar(&cfg.Repository, "repository", "", "repository to check, by name or id (required without an organisations file)")
	fs.StringVar(&cfg.WebhookURL, "webhook-url", "", "public URL of the webhook endpoint the service hooks should deliver to")
	fs.IntVar(&cfg.ProbePullRequest, "probe-pull-request", 0, "write probe: create a comment thread on this pull request of the repository, read it back and delete it (0: write nothing)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	switch {
	case (cfg.Project == "") != (cfg.Repository == ""):
		return fmt.Errorf("%w: doctor needs --project and --repository together", ErrUsage)
	case az.OrgsFile == "" && cfg.Project == "":
		return fmt.Errorf("%w: doctor needs --project and --repository", ErrUsage)
	case cfg.ProbePullRequest < 0:
		return fmt.Errorf("%w: --probe-pull-request / PROBE_PULL_REQUEST must be a pull request id, not %d", ErrUsage, cfg.ProbePullRequest)
	case cfg.ProbePullRequest > 0 && cfg.Project == "":
		return fmt.Errorf("%w: --probe-pull-request needs --project and --repository", ErrUsage)
	}
	list, err := az.Organizations()
	if err != nil {
		return err
	}
	if org != "" {
		o, err := pickOrganization(list, org)
		if err != nil {
			return err
		}
		list = []orgs.Organization{o}
	}
	if cfg.Project != "" && len(list) > 1 {
		return fmt.Errorf("%w: --project and --repository belong to one organisation: name it with --org (%s)", ErrUsage, orgs.Names(list))
	}
	p, err := StartProcess(ctx, c, "azreviewer-doctor", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	// A credential or CA file that cannot be used is a configuration
	// mistake, found before any check runs.
	clients, err := az.orgClients(ctx, list, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	failed := false
	for i, org := range clients {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		o, client := org.org, org.client
		fmt.Fprintf(stdout, "organisation %s (%s), credential %s\n", o.Name, o.URL, client.Identity())
		oc := cfg
		oc.Credential = client.Credential()
		checks := doctor.Run(ctx, client, oc)
		doctor.Print(stdout, checks)
		failed = failed || doctor.Failed(checks)
	}
	if failed {
		return ErrChecksFailed
	}
	return nil
}

// startAzureDevOpsCommand sets up a set-up command that talks to Azure
// DevOps: its process (logger, tracing) and the client of the one
// organisation configured, or of the one org names.
func startAzureDevOpsCommand(ctx context.Context, c *Common, az *AzureDevOps, org, service string) (*Process, *azdo.Client, error) {
	p, err := StartProcess(ctx, c, service, telemetry.Options{})
	if err != nil {
		return nil, nil, err
	}
	client, err := az.Client(ctx, org, nil, nil)
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
