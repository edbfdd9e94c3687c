package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/google/uuid"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/hooks"
)

// HooksMain is the hooks subcommand. "hooks install" creates, or repairs,
// the service-hook subscriptions azreviewer needs in a project (or one
// repository); "hooks status" shows them with their state and the fix.
// Both read the Azure DevOps settings (AZDO_ORG_URL, AZDO_PAT, …); install
// needs a PAT with Service Hooks (Read & write), status Service Hooks
// (Read).
func HooksMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usageLine = "usage: hooks install|status --project P [--repository R] --webhook-url URL (hooks install --help for every flag)"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintln(stderr, usageLine)
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "install" && args[0] != "status" {
		return fmt.Errorf("%w: %s", ErrUsage, usageLine)
	}
	verb := args[0]
	fs := flag.NewFlagSet("hooks "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, az := RegisterCommon(fs), RegisterAzureDevOps(fs)
	var org, project, repository, webhookURL, basicUser, basicPassword string
	fs.StringVar(&org, "org", "", "organisation of the organisations file, by name or URL (required when it lists several)")
	fs.StringVar(&project, "project", "", "project, by name or id (required)")
	fs.StringVar(&repository, "repository", "", "limit the subscriptions to one repository, by name or id")
	fs.StringVar(&webhookURL, "webhook-url", "", "ingest's public webhook URL, with its ?token= (required for install; a secret, never printed)")
	fs.StringVar(&basicUser, "webhook-basic-user", "", "basic-authentication user Azure DevOps sends with each delivery")
	fs.StringVar(&basicPassword, "webhook-basic-password", "", "basic-authentication password Azure DevOps sends with each delivery")
	if err := Parse(fs, args[1:]); err != nil {
		return err
	}
	if project == "" || verb == "install" && webhookURL == "" {
		return fmt.Errorf("%w: hooks %s needs --project%s", ErrUsage, verb, map[bool]string{true: " and --webhook-url", false: ""}[verb == "install"])
	}
	p, client, err := startAzureDevOpsCommand(ctx, c, az, org, "azreviewer-hooks")
	if err != nil {
		return err
	}
	defer p.Close()
	target, err := resolveTarget(ctx, client, project, repository)
	if err != nil {
		return err
	}
	target.URL, target.BasicAuthUser, target.BasicAuthPassword = webhookURL, basicUser, basicPassword
	var out []hooks.Outcome
	if verb == "install" {
		out, err = hooks.Install(ctx, client, target)
	} else {
		out, err = hooks.Status(ctx, client, target)
	}
	printHooks(stdout, out)
	if err != nil {
		return explain(err)
	}
	if verb == "status" {
		for _, o := range out {
			if o.Problem != "" {
				return ErrChecksFailed
			}
		}
	}
	return nil
}

// resolveTarget finds the ids of the project (and repository) the
// subscriptions are for: publisher inputs name them by id.
func resolveTarget(ctx context.Context, client *azdo.Client, project, repository string) (hooks.Target, error) {
	if repository != "" {
		r, err := client.Repository(ctx, project, repository)
		if err != nil {
			return hooks.Target{}, explain(err)
		}
		if r.ID == "" || r.ProjectID == "" {
			return hooks.Target{}, errors.New("the repository's answer lacks its id or its project's")
		}
		return hooks.Target{ProjectID: r.ProjectID, RepositoryID: r.ID}, nil
	}
	if _, err := uuid.Parse(project); err == nil {
		return hooks.Target{ProjectID: project}, nil
	}
	projects, err := client.Projects(ctx)
	if err != nil {
		return hooks.Target{}, explain(err)
	}
	for _, p := range projects {
		if strings.EqualFold(p.Name, project) {
			return hooks.Target{ProjectID: p.ID}, nil
		}
	}
	return hooks.Target{}, fmt.Errorf("no project named %q is visible to this PAT", project)
}

// printHooks prints one line per needed subscription: event, state, action,
// where it delivers (its token hidden) and what to do.
func printHooks(w io.Writer, out []hooks.Outcome) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tSTATE\tACTION\tDELIVERS TO\tFIX")
	for _, o := range out {
		event := o.Event.EventType
		if o.Event.NotificationType != "" {
			event += " (" + o.Event.NotificationType + ")"
		}
		state, to := o.Subscription.Status, hooks.Redact(o.Subscription.URL)
		if o.Subscription.ID == "" {
			state, to = "missing", "-"
		}
		fix := o.Problem
		if o.Duplicates > 0 {
			fix = strings.TrimSpace(fix + fmt.Sprintf(" (%d more subscription(s) of this event deliver here too: Azure sends each event through each)", o.Duplicates))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", event, state, dash(o.Action), to, dash(fix))
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// explain adds an Azure DevOps error's diagnosis.
func explain(err error) error {
	if e, ok := azdo.AsError(err); ok {
		return fmt.Errorf("%w\n%s", err, e.Diagnosis())
	}
	return err
}
