package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// deadLettersUsage is how the command is called.
const deadLettersUsage = `Usage: dead-letters list [--type T,…] [--older-than D] [--newer-than D] [--limit N] [--json]
       dead-letters replay SEQ…
       dead-letters replay --all [--type T,…] [--older-than D] [--newer-than D] [--dry-run]`

// DeadLettersMain is "worker dead-letters list" and "worker dead-letters
// replay": it shows what was given up and why, and puts chosen requests
// back on the review stream once the cause is fixed — by sequence, or every
// one a filter selects.
func DeadLettersMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		return fmt.Errorf("%w: %s", ErrUsage, strings.ReplaceAll(deadLettersUsage, "\n       ", "\n  or "))
	}
	verb, args := args[0], args[1:]
	cmd, err := parseDeadLetters(verb, args, stderr)
	if err != nil {
		return err
	}
	p, err := StartProcess(ctx, &cmd.common, "azreviewer-dead-letters", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	nc, err := Connect(&cmd.common, "azreviewer-dead-letters", p.Log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	names := cmd.common.Stream.Fleet
	switch {
	case verb == "list":
		dls, err := deadletter.Select(ctx, js, names, cmd.filter, cmd.limit)
		if err != nil {
			return err
		}
		if cmd.json {
			return printDeadLettersJSON(stdout, dls)
		}
		printDeadLetters(stdout, dls)
		return nil
	case cmd.all:
		dls, err := deadletter.Select(ctx, js, names, cmd.filter, cmd.limit)
		if err != nil {
			return err
		}
		if len(dls) == 0 {
			fmt.Fprintln(stdout, "no dead letter matches")
			return nil
		}
		for _, d := range dls {
			cmd.seqs = append(cmd.seqs, d.Seq)
		}
	}
	var errs []error
	for _, seq := range cmd.seqs {
		if cmd.dryRun {
			fmt.Fprintf(stdout, "dead letter %d would be replayed\n", seq)
			continue
		}
		newSeq, err := deadletter.Replay(ctx, js, names, seq)
		if errors.As(err, new(*deadletter.NotFoundError)) {
			err = fmt.Errorf("%w (see dead-letters list)", err)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "dead letter %d replayed as review request %d\n", seq, newSeq)
	}
	return errors.Join(errs...)
}

// deadLettersCommand is a parsed dead-letters command line.
type deadLettersCommand struct {
	common Common
	filter deadletter.Filter
	limit  int
	json   bool
	all    bool
	dryRun bool
	seqs   []uint64
}

// parseDeadLetters parses a dead-letters command's flags. Only the NATS and
// log settings read the environment too; the command's own flags (--type,
// --limit, …) are read from the command line alone, so that a TYPE or LIMIT
// in the environment is never taken for an answer. --help lists only the
// flags of this command.
func parseDeadLetters(verb string, args []string, stderr io.Writer) (*deadLettersCommand, error) {
	cmd := &deadLettersCommand{}
	fs := flag.NewFlagSet("dead-letters "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cmd.common.RegisterFleet(fs)
	cmd.common.RegisterLog(fs)
	cmd.common.RegisterNATS(fs)
	fromEnv := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { fromEnv[f.Name] = true })
	var types string
	fs.StringVar(&types, "type", "", "only dead letters of these error types, comma-separated (unauthorized, sign_in_page, missing_scope, forbidden, not_found, rate_limited, transient, dropped, invalid, …)")
	fs.DurationVar(&cmd.filter.OlderThan, "older-than", 0, "only dead letters given up more than this long ago (e.g. 24h)")
	fs.DurationVar(&cmd.filter.NewerThan, "newer-than", 0, "only dead letters given up less than this long ago (e.g. 1h)")
	fs.IntVar(&cmd.limit, "limit", 100, "most dead letters listed, or replayed with --all")
	if verb == "list" {
		fs.BoolVar(&cmd.json, "json", false, "print a JSON array instead of a table")
	} else {
		fs.BoolVar(&cmd.all, "all", false, "replay every dead letter the filters select (up to --limit) instead of sequences")
		fs.BoolVar(&cmd.dryRun, "dry-run", false, "print what would be replayed, replay nothing")
	}
	fs.Usage = func() {
		prefix := "Usage:"
		for line := range strings.SplitSeq(deadLettersUsage, "\n") {
			if line = strings.TrimSpace(strings.TrimPrefix(line, "Usage:")); strings.HasPrefix(line, "dead-letters "+verb) {
				fmt.Fprintln(fs.Output(), prefix, line)
				prefix = "      "
			}
		}
		fmt.Fprintln(fs.Output(), "\nFlags (those with a variable in brackets are also set by it; a flag wins):")
		fs.VisitAll(func(f *flag.Flag) {
			kind, help := flag.UnquoteUsage(f)
			if kind != "" {
				kind = " " + kind
			}
			env := ""
			if fromEnv[f.Name] {
				env = "  [" + EnvName(f.Name) + "]"
			}
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
				help += " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(fs.Output(), "  --%s%s%s\n      %s\n", f.Name, kind, env, help)
		})
	}
	// Flags and sequences may come in any order (replay 12 --nats-url …).
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional, args = append(positional, fs.Arg(0)), fs.Args()[1:]
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name := range fromEnv {
		if v, ok := os.LookupEnv(EnvName(name)); ok && !given[name] {
			if err := fs.Set(name, v); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrUsage, EnvName(name), err)
			}
		}
	}
	for t := range strings.SplitSeq(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cmd.filter.Types = append(cmd.filter.Types, t)
		}
	}
	if cmd.limit <= 0 {
		return nil, fmt.Errorf("%w: --limit must be at least 1", ErrUsage)
	}
	if cmd.filter.OlderThan < 0 || cmd.filter.NewerThan < 0 {
		return nil, fmt.Errorf("%w: --older-than and --newer-than must not be negative", ErrUsage)
	}
	if verb != "replay" {
		if len(positional) > 0 {
			return nil, fmt.Errorf("%w: dead-letters list takes flags only, not %q", ErrUsage, positional[0])
		}
		return cmd, nil
	}
	filtered := len(cmd.filter.Types) > 0 || cmd.filter.OlderThan > 0 || cmd.filter.NewerThan > 0
	switch {
	case cmd.all && len(positional) > 0:
		return nil, fmt.Errorf("%w: give sequences or --all with filters, not both", ErrUsage)
	case !cmd.all && filtered:
		return nil, fmt.Errorf("%w: --type, --older-than and --newer-than select what to replay only with --all (it replays every dead letter they select)", ErrUsage)
	case !cmd.all && len(positional) == 0:
		return nil, fmt.Errorf("%w: name the dead letters to replay by sequence (see dead-letters list), or use --all with filters", ErrUsage)
	}
	for _, a := range positional {
		seq, err := strconv.ParseUint(a, 10, 64)
		if err != nil || seq == 0 {
			return nil, fmt.Errorf("%w: %q is not a dead-letter sequence", ErrUsage, a)
		}
		cmd.seqs = append(cmd.seqs, seq)
	}
	return cmd, nil
}

func printDeadLetters(w io.Writer, dls []deadletter.Entry) {
	if len(dls) == 0 {
		fmt.Fprintln(w, "no dead letters")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tPULL REQUEST\tTYPE\tDELIVERIES\tDIAGNOSIS")
	for _, d := range dls {
		pr := d.OriginalSubject
		if d.Request != nil {
			pr = fmt.Sprintf("%s/%s !%d", d.Request.ProjectName, d.Request.RepositoryName, d.Request.PullRequestID)
		}
		diag := d.Diagnosis
		if diag == "" {
			diag = d.Error
		}
		// The text comes from webhooks and errors (a pull request's file
		// names among them): shown without control characters.
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", d.Seq, d.Time.UTC().Format("2006-01-02 15:04:05"),
			markdown.Printable(pr), markdown.Printable(d.ErrorType), d.Deliveries, markdown.Printable(diag))
	}
	_ = tw.Flush()
}

// deadLetterJSON is one dead letter in `dead-letters list --json`.
type deadLetterJSON struct {
	Seq         uint64           `json:"seq"`
	Time        time.Time        `json:"time"`
	Subject     string           `json:"subject"`
	PullRequest *pullRequestJSON `json:"pull_request,omitempty"`
	ErrorType   string           `json:"error_type"`
	Diagnosis   string           `json:"diagnosis,omitempty"`
	Error       string           `json:"error"`
	Deliveries  int              `json:"deliveries"`
}

type pullRequestJSON struct {
	Project    string `json:"project"`
	Repository string `json:"repository"`
	ID         int    `json:"id"`
	Commit     string `json:"commit"`
}

func printDeadLettersJSON(w io.Writer, dls []deadletter.Entry) error {
	out := make([]deadLetterJSON, 0, len(dls))
	for _, d := range dls {
		j := deadLetterJSON{Seq: d.Seq, Time: d.Time.UTC(), Subject: d.OriginalSubject, ErrorType: d.ErrorType,
			Diagnosis: d.Diagnosis, Error: d.Error, Deliveries: d.Deliveries}
		if r := d.Request; r != nil {
			j.PullRequest = &pullRequestJSON{Project: r.ProjectName, Repository: r.RepositoryName, ID: r.PullRequestID, Commit: r.SourceCommit}
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
