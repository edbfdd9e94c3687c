package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// DeadLettersMain is "worker dead-letters list [--limit N]" and
// "worker dead-letters replay SEQ...": it shows what was given up and why,
// and puts chosen requests back on the review stream once the cause is
// fixed.
func DeadLettersMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		return fmt.Errorf("%w: use \"dead-letters list [--limit N]\" or \"dead-letters replay SEQ...\"", ErrUsage)
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet("dead-letters "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := RegisterCommon(fs)
	c.RegisterNATS(fs)
	limit := fs.Int("limit", 100, "most dead letters listed")
	if err := Parse(fs, args); err != nil {
		return err
	}
	var seqs []uint64
	if verb == "replay" {
		if fs.NArg() == 0 {
			return fmt.Errorf("%w: name the dead letters to replay by sequence (see dead-letters list)", ErrUsage)
		}
		for _, a := range fs.Args() {
			seq, err := strconv.ParseUint(a, 10, 64)
			if err != nil || seq == 0 {
				return fmt.Errorf("%w: %q is not a dead-letter sequence", ErrUsage, a)
			}
			seqs = append(seqs, seq)
		}
	}
	p, err := StartProcess(ctx, c, "azreviewer-dead-letters", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	nc, err := Connect(c, "azreviewer-dead-letters", p.Log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if verb == "list" {
		dls, err := deadletter.List(ctx, js, c.Stream.Fleet, *limit)
		if err != nil {
			return err
		}
		printDeadLetters(stdout, dls)
		return nil
	}
	var errs []error
	for _, seq := range seqs {
		newSeq, err := deadletter.Replay(ctx, js, c.Stream.Fleet, seq)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "dead letter %d replayed as review request %d\n", seq, newSeq)
	}
	return errors.Join(errs...)
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", d.Seq, d.Time.UTC().Format("2006-01-02 15:04:05"), pr, d.ErrorType, d.Deliveries, diag)
	}
	_ = tw.Flush()
}
