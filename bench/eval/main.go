// Command eval measures azreviewer's reviewers on a corpus of small pull
// requests with known problems: it prints, per reviewer and per kind of
// problem, true positives, false positives, false negatives, precision and
// recall, the comments each pull request would get, and every false
// positive and false negative, so that a rule's noise or blind spot can be
// acted on.
//
//	go run ./bench/eval [-v] [-case NAME] [-corpus DIR]
//	go run ./bench/eval [-v] -git REPO -range BASE..HEAD
//
// The second form reviews a real repository's change between two
// revisions as one pull request with the deterministic reviewers and counts
// the findings per rule and severity: a measure of the comments a team
// would get, without expectations to score them against.
//
// Each case under bench/eval/testdata/cases is a directory: case.yaml (the
// pull request's title and description, the planted problems as kind and
// head line, and the lines that must stay quiet), base/ and head/ (the
// files on each side; a Go file x.go is stored as x.go.in), and optionally
// .azreviewer.yaml (the target branch's configuration, with custom rules).
// A case goes through the same
// code as a review by the worker: [reviewer.Diff] per file, the
// configuration's Filter, its Reviewers, [reviewer.Run] and its Apply.
//
// The reviewers are the built-in rules, the custom rules of the cases that
// have them, and the LLM reviewer when the environment configures one as
// for the worker (LLM_BASE_URL/LLM_MODEL or AZURE_OPENAI_*; see
// app.RegisterLLM). The LLM runs twice per case: "llm" sees the hunks and
// the pull request's title and description only; "llm+context" also sees
// what a worker adds — llm.context_lines of the head file around each hunk
// (default 10), the case's AGENTS.md or .azreviewer/instructions.md from
// base/, and the other changed files — so the report compares the two. Without a model only the deterministic
// reviewers run, and the report says so. Bugs (off-by-one, nil
// dereference, SQL by concatenation…) are claimed by the LLM only.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	corpus  string
	only    string
	verbose bool
	timeout time.Duration
	gitDir  string
	rng     string
}

func run(ctx context.Context, args []string, w io.Writer) error {
	var o options
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.StringVar(&o.corpus, "corpus", "bench/eval/testdata/cases", "directory of cases")
	fs.StringVar(&o.only, "case", "", "run only the case of this name")
	fs.BoolVar(&o.verbose, "v", false, "list true positives and each case's findings too")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole run (the LLM's calls)")
	fs.StringVar(&o.gitDir, "git", "", "instead of the corpus: review the change -range BASE..HEAD of this git repository and count the findings")
	fs.StringVar(&o.rng, "range", "", "with -git: the revisions BASE..HEAD to review as one pull request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if o.gitDir != "" {
		scanner, err := secrets.New()
		if err != nil {
			return err
		}
		return reviewRange(ctx, w, o.gitDir, o.rng, suite{secrets: scanner}, o.verbose)
	}

	cases, err := loadCorpus(o.corpus)
	if err != nil {
		return err
	}
	var errs []error
	kept := cases[:0]
	for _, c := range cases {
		if o.only != "" && c.Name != o.only {
			continue
		}
		if err := c.check(); err != nil {
			errs = append(errs, err)
		}
		kept = append(kept, c)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(kept) == 0 {
		return fmt.Errorf("no case named %q in %s", o.only, o.corpus)
	}

	llm, model, err := llmFromEnv()
	if err != nil {
		return err
	}
	if llm == nil {
		fmt.Fprintln(w, "LLM: no model configured (set LLM_BASE_URL/LLM_MODEL or AZURE_OPENAI_ENDPOINT/AZURE_OPENAI_DEPLOYMENT); deterministic reviewers only, bugs not scored.")
	} else {
		fmt.Fprintln(w, "LLM:", model)
	}
	scanner, err := secrets.New()
	if err != nil {
		return err
	}
	var results []caseResult
	for _, c := range kept {
		r, err := review(ctx, c, suite{secrets: scanner, llm: llm})
		if err != nil {
			return fmt.Errorf("case %s: %w", c.Name, err)
		}
		results = append(results, r)
	}
	report(w, results, o.verbose)
	return nil
}

// llmFromEnv returns the LLM reviewer the environment configures, read by
// the worker's own flag and environment layer (app.RegisterLLM), and the
// model's name; nil when none is configured.
func llmFromEnv() (*llmreview.Reviewer, string, error) {
	fs := flag.NewFlagSet("llm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	settings := app.RegisterLLM(fs)
	if err := app.Parse(fs, nil); err != nil {
		return nil, "", err
	}
	cfg, on, err := settings.Config()
	if err != nil || !on {
		return nil, "", err
	}
	llm, err := llmreview.New(cfg)
	if err != nil {
		return nil, "", err
	}
	return llm, strings.TrimSpace(cfg.Provider + " " + cmp.Or(cfg.Model, cfg.Deployment)), nil
}

// caseResult is what the reviewers found in one case.
type caseResult struct {
	c *Case
	// findings maps each reviewer that ran to its findings.
	findings map[string][]reviewer.Finding
	outcomes []Outcome
}

// suite is the reviewers that need building once: the secret scanner and
// the LLM (nil when no model is configured).
type suite struct {
	secrets *secrets.Scanner
	llm     *llmreview.Reviewer
}

// review runs the reviewers on c as the worker does, each on its own so
// that its findings can be told apart, and judges their findings.
func review(ctx context.Context, c *Case, s suite) (caseResult, error) {
	cfg := c.Config
	input, _ := cfg.Filter(c.PullRequest())
	allow := cfg.Secrets.Allow
	scanner, err := s.secrets.WithAllow(secrets.Allow{Paths: allow.Paths, Values: allow.Values, Stopwords: allow.Stopwords})
	if err != nil {
		return caseResult{}, err
	}
	available := map[string]reviewer.Reviewer{reviewer.RulesName: reviewer.Rules(), secrets.Name: scanner}
	llm := s.llm
	if custom, err := cfg.CustomRules(); err != nil {
		return caseResult{}, err
	} else if len(cfg.Custom) > 0 {
		available[repoconfig.CustomName] = custom
	}
	if llm != nil {
		available[llm.Name()] = llm.ForReview(cfg.LLM.Instructions, cfg.LLM.Language)
	}
	res := caseResult{c: c, findings: map[string][]reviewer.Finding{}}
	for _, r := range cfg.Reviewers(available) {
		out := reviewer.Run(ctx, input, r)
		if err := out.Err(); err != nil {
			return caseResult{}, err
		}
		res.findings[r.Name()] = cfg.Apply(out.Findings)
	}
	res.outcomes = judge(c, res.findings)
	if _, ran := res.findings[llmreview.Name]; ran && llm != nil {
		with, err := reviewWithContext(ctx, c, cfg, input, llm)
		if err != nil {
			return caseResult{}, err
		}
		res.outcomes = append(res.outcomes, with...)
	}
	return res, nil
}

// withContext names the LLM's second run in the report: the same model,
// its prompts with the context a worker adds (the head-file window, the
// repository's guidance, the other changed files).
const withContext = "llm+context"

// reviewWithContext runs the LLM again with the context the worker gives
// it and judges its findings as the LLM's, reported as withContext.
func reviewWithContext(ctx context.Context, c *Case, cfg repoconfig.Config, input *reviewer.PullRequest, llm *llmreview.Reviewer) ([]Outcome, error) {
	p := llm.PerReview(cfg.LLM.Instructions, cfg.LLM.Language)
	rc := llmreview.ReviewContext{Window: cfg.LLM.Window(), Files: caseHead{c}, OtherFiles: true}
	if cfg.LLM.GuidanceOn() {
		for _, name := range []string{"AGENTS.md", ".azreviewer/instructions.md"} {
			if g, ok := c.Base[name]; ok {
				rc.Guidance, rc.GuidanceSource = string(g), name
				break
			}
		}
	}
	p.SetContext(rc)
	out := reviewer.Run(ctx, input, p)
	if err := out.Err(); err != nil {
		return nil, err
	}
	outcomes := judge(c, map[string][]reviewer.Finding{llmreview.Name: cfg.Apply(out.Findings)})
	for i := range outcomes {
		outcomes[i].Reviewer = withContext
	}
	return outcomes, nil
}

// caseHead reads a case's head files, as the worker reads the pull
// request's head commit.
type caseHead struct{ c *Case }

func (h caseHead) Head(_ context.Context, p string) ([]byte, bool, error) {
	data, ok := h.c.Head[strings.TrimPrefix(p, "/")]
	return data, ok, nil
}
