package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// ErrConfigInvalid is config check's result when the file is invalid (exit
// status 1); the problems are already printed.
var ErrConfigInvalid = errors.New("config check: the file is invalid")

// configUsage is the config command's synopsis.
const configUsage = "usage: azreviewer config check [FILE]   (FILE defaults to " + repoconfig.FileName + ")"

// ConfigMain is the config subcommand. "config check [FILE]" reads a
// repository's .azreviewer.yaml (FILE, default .azreviewer.yaml in the
// current directory) with the parser and limits the worker uses, prints
// each problem as FILE:LINE:COLUMN: message on stdout, and returns
// [ErrConfigInvalid] when there is one; a valid file prints "FILE: valid".
// A missing or unreadable file and wrong arguments are [ErrUsage]. At most
// [repoconfig.MaxFileBytes]+1 bytes are read, so the check's memory is
// bounded whatever the file.
func ConfigMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: %s", ErrUsage, configUsage)
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, configUsage) }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 1 {
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
		for _, p := range cfgErr.Problems {
			msg := p.Message
			if p.Field != "" {
				msg = p.Field + ": " + msg
			}
			fmt.Fprintf(stdout, "%s:%d:%d: %s\n", file, p.Line, p.Column, msg)
		}
		return ErrConfigInvalid
	case err != nil:
		return fmt.Errorf("check %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "%s: valid\n", file)
	return nil
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
