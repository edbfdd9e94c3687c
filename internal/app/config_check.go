package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// ErrConfigInvalid is config check's result when the file is invalid (exit
// status 1); the problems are already printed.
var ErrConfigInvalid = errors.New("config check: the file is invalid")

// configUsage is the config command's synopsis.
const configUsage = `usage: azreviewer config check [FILE]                       (FILE defaults to ` + repoconfig.FileName + `)
       azreviewer config check --orgs FILE [--skip-files]   (an organisations file, as AZDO_ORGS_FILE names)`

// ConfigMain is the config subcommand. "config check [FILE]" reads a
// repository's .azreviewer.yaml (FILE, default .azreviewer.yaml in the
// current directory) with the parser and limits the worker uses, prints
// each problem as FILE:LINE:COLUMN: message on stdout, and returns
// [ErrConfigInvalid] when there is one; a valid file prints "FILE: valid".
// A missing or unreadable file and wrong arguments are [ErrUsage]. At most
// [repoconfig.MaxFileBytes]+1 bytes are read, so the check's memory is
// bounded whatever the file.
//
// "config check --orgs FILE" checks an organisations file instead
// ([orgs.Check]): the same problems as the processes find when they load
// it, printed the same way, and every file its credentials name read
// (--skip-files: not read); a valid file prints its organisations, each
// with its URL and what its credential is, never a token or secret. Both
// read no environment (AZDO_ORGS_FILE included: the file to check is
// always named) and contact nothing.
func ConfigMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: %s", ErrUsage, configUsage)
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgsFile := fs.String("orgs", "", "check `FILE` as an organisations file (the file AZDO_ORGS_FILE names) instead of a repository's "+repoconfig.FileName)
	skipFiles := fs.Bool("skip-files", false, "with --orgs: do not read the files the credentials name (pat_file, client_secret_file, certificate_file, token_file), as in CI where the secrets are not there")
	fs.Usage = func() {
		fmt.Fprintln(stderr, configUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	orgsSet := false
	fs.Visit(func(f *flag.Flag) { orgsSet = orgsSet || f.Name == "orgs" })
	switch {
	case orgsSet && *orgsFile == "":
		return fmt.Errorf("%w: --orgs needs the organisations file to check; %s", ErrUsage, configUsage)
	case orgsSet && fs.NArg() > 0:
		return fmt.Errorf("%w: config check --orgs checks the one file it names, got also %q; %s", ErrUsage, fs.Arg(0), configUsage)
	case orgsSet:
		return checkOrgs(stdout, *orgsFile, orgs.CheckOptions{SkipFiles: *skipFiles})
	case *skipFiles:
		return fmt.Errorf("%w: --skip-files goes with --orgs (a repository's %s names no file); %s", ErrUsage, repoconfig.FileName, configUsage)
	case fs.NArg() > 1:
		return fmt.Errorf("%w: config check takes one file, got %d; %s", ErrUsage, fs.NArg(), configUsage)
	}
	file := repoconfig.FileName
	if fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	data, err := readAtMost(file, repoconfig.MaxFileBytes+1)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	_, err = repoconfig.Parse(data)
	var cfgErr *repoconfig.Error
	switch {
	case errors.As(err, &cfgErr):
		printProblems(stdout, file, cfgErr.Problems)
		return ErrConfigInvalid
	case err != nil:
		return fmt.Errorf("check %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "%s: valid\n", file)
	return nil
}

// checkOrgs is "config check --orgs FILE": the problems, or the
// organisations, each with its URL and its credential described.
func checkOrgs(stdout io.Writer, file string, opts orgs.CheckOptions) error {
	list, err := orgs.CheckFile(file, opts)
	var pe *orgs.Error
	switch {
	case errors.As(err, &pe):
		printProblems(stdout, file, pe.Problems)
		return ErrConfigInvalid
	case err != nil:
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	noun := "organisations"
	if len(list) == 1 {
		noun = "organisation"
	}
	fmt.Fprintf(stdout, "%s: valid, %d %s\n", file, len(list), noun)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, o := range list {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Name, o.URL, o.Credential.Describe())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print the organisations: %w", err)
	}
	if opts.SkipFiles {
		fmt.Fprintln(stdout, "the files the credentials name were not read (--skip-files)")
	}
	return nil
}

// printProblems prints each problem as FILE:LINE:COLUMN: FIELD: MESSAGE.
func printProblems(w io.Writer, file string, problems []repoconfig.Problem) {
	for _, p := range problems {
		msg := p.Message
		if p.Field != "" {
			msg = p.Field + ": " + msg
		}
		fmt.Fprintf(w, "%s:%d:%d: %s\n", file, p.Line, p.Column, msg)
	}
}

// readAtMost reads up to n bytes of the named file.
func readAtMost(name string, n int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}
