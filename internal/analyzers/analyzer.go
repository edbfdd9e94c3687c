package analyzers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Defaults of [Analyzer].
const (
	// DefaultTimeout bounds one run of a tool.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxOutputBytes bounds a tool's standard output (16 MiB).
	DefaultMaxOutputBytes = 16 << 20
	// maxStderrBytes is how much of a tool's standard error is kept.
	maxStderrBytes = 64 << 10
	// stderrTailBytes is how much of the kept standard error goes into an
	// error message.
	stderrTailBytes = 1 << 10
	// MaxFiles and MaxLines bound what one review gives the tools, in
	// pull-request order, below the repository's limits: at most MaxFiles
	// changed files with added lines, and no file whose added lines would
	// take the total over MaxLines (files without added lines are given
	// without counting). Every file is written to the tree, and read for
	// it; the files beyond are named in the summary (see [SkippedNote]).
	MaxFiles = 300
	MaxLines = 20000
)

// Analyzer configures one external tool that writes SARIF 2.1.0 to its
// standard output.
type Analyzer struct {
	// Name identifies the tool: the reviewer is named "analyzer/<Name>" and
	// every rule "<Name>/<ruleId>".
	Name string
	// Command is the argv to run, without a shell, e.g.
	// {"semgrep", "scan", "--sarif", "--config", "p/default"}.
	Command []string
	// AppendFiles appends the changed files' paths to Command, relative to
	// the working directory and each with a "./" prefix ("./src/a.go"), so
	// that no file name can be taken for an option.
	AppendFiles bool
	// Timeout bounds one run; 0 means [DefaultTimeout].
	Timeout time.Duration
	// MaxOutputBytes bounds the standard output; 0 means
	// [DefaultMaxOutputBytes].
	MaxOutputBytes int64
	// Paths, when non-empty, restricts the files given to the tool to those
	// whose path ends with one of these suffixes, e.g. ".go".
	Paths []string
	// Env holds extra "KEY=VALUE" environment entries for the tool, on top of
	// PATH inherited from the worker and HOME and TMPDIR in the run's
	// scratch directory (an entry for one of these replaces it). Nothing
	// else of the worker's environment reaches the tool.
	Env []string
	// Users are the user ids the tool runs as when the worker runs as root:
	// each run takes one for itself (see [Users]); share one pool between
	// all analyzers of a worker. Required when the worker runs as root. A
	// worker that is not root runs its tools as itself (see [Protect] and
	// the package documentation).
	Users *Users
}

// Files gives the head (source branch) version of a pull request's files.
type Files interface {
	// Head returns the content of path (a [reviewer.FileDiff.Path], with a
	// leading "/") on the pull request's head; ok is false when the file does
	// not exist there.
	Head(ctx context.Context, path string) (data []byte, ok bool, err error)
}

// New returns one reviewer per analyzer, in order (see [NewReviewer]).
func New(analyzers []Analyzer, files Files) []reviewer.Reviewer {
	rs := make([]reviewer.Reviewer, len(analyzers))
	for i, a := range analyzers {
		rs[i] = NewReviewer(a, files)
	}
	return rs
}

// NewReviewer returns a reviewer named "analyzer/<a.Name>" that runs a over
// the changed files of each pull request. A misconfigured analyzer (no name,
// no command; no Users on a worker running as root) fails every review.
//
// The reviewer also has a Notes method, which lists the changed files of
// the last review that no tool could be given (see [ToolPath], [MaxFiles]),
// and an Unjudged method, which lists them for [reviewer.Partial]; use one
// reviewer per review when reading them.
func NewReviewer(a Analyzer, files Files) reviewer.Reviewer {
	return &analyzerReviewer{a: a, files: files}
}

var (
	_ reviewer.Partial = (*analyzerReviewer)(nil)
	_ reviewer.Judge   = (*analyzerReviewer)(nil)
)

type analyzerReviewer struct {
	a     Analyzer
	files Files

	mu      sync.Mutex
	skipped []SkippedPath
}

// Name returns "analyzer/<name>".
func (r *analyzerReviewer) Name() string { return "analyzer/" + r.a.Name }

// Review runs the tool over the pull request's changed files and returns its
// results on those files.
func (r *analyzerReviewer) Review(ctx context.Context, pr *reviewer.PullRequest) (found []reviewer.Finding, err error) {
	if err := r.a.validate(); err != nil {
		return nil, err
	}
	if r.files == nil {
		return nil, errors.New("no Files to read the head versions from")
	}
	paths, skipped := r.a.selectFiles(pr)
	r.setSkipped(skipped)
	if len(paths) == 0 {
		return nil, nil
	}
	owner, err := r.a.runAs(ctx)
	if err != nil {
		return nil, err
	}
	if owner == nil {
		// The tool runs as the worker's user: keep it out of the worker's
		// memory and environment (the worker should have done so at
		// start-up already).
		if err := Protect(); err != nil {
			return nil, err
		}
	}
	var t *tree
	defer func() {
		if owner == nil {
			t.remove()
			return
		}
		// Nothing of the run may outlive it: its user's processes are all
		// killed, then its tree removed, before the id serves another run.
		if relErr := r.a.Users.release(owner, t.remove); relErr != nil {
			found, err = nil, errors.Join(err, relErr)
		}
	}()
	t, err = writeTree(ctx, r.files, paths, owner)
	if err != nil {
		return nil, err
	}
	r.setSkipped(append(skipped, t.skipped...))
	if len(t.rels) == 0 {
		return nil, nil
	}
	out, err := r.a.run(ctx, t, owner)
	if err != nil {
		return nil, err
	}
	return r.a.findings(out, t), nil
}

// Skipped returns the changed files of the last review that no tool could
// be given, in pull-request order.
func (r *analyzerReviewer) Skipped() []SkippedPath {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.skipped)
}

// Unjudged lists the changed files of the last review that no tool could
// be given (over the bounds, or whose path a tool cannot take), each with
// the analyzer's rules ("<Name>" and "<Name>/<ruleId>"): its findings there
// are not known to be gone. It makes the reviewer a [reviewer.Partial].
func (r *analyzerReviewer) Unjudged() []reviewer.Unjudged {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.skipped) == 0 {
		return nil
	}
	out := make([]reviewer.Unjudged, len(r.skipped))
	for i, s := range r.skipped {
		out[i] = reviewer.Unjudged{Path: s.Path, Rules: r.a.Name}
	}
	return out
}

// Judges reports whether rule is the analyzer's ("<Name>" or
// "<Name>/<ruleId>") and its Paths take the file at path. It makes the
// reviewer a [reviewer.Judge]: narrowing Paths leaves the tool's findings
// on the files no longer given to it unjudged.
func (r *analyzerReviewer) Judges(rule, path string) bool {
	return (rule == r.a.Name || strings.HasPrefix(rule, r.a.Name+"/")) && r.a.matches(path)
}

// Notes says in the summary which changed files of the last review no tool
// could be given, or returns "" when there are none. The text does not
// depend on the analyzer, so a caller can show it once for all of them.
func (r *analyzerReviewer) Notes() string { return SkippedNote(r.Skipped()) }

func (r *analyzerReviewer) setSkipped(s []SkippedPath) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped = s
}

// validate reports a misconfiguration.
func (a Analyzer) validate() error {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return errors.New("analyzer has no name")
	case len(a.Command) == 0 || a.Command[0] == "":
		return fmt.Errorf("analyzer %s has no command", a.Name)
	}
	return nil
}

// selectFiles returns the paths of the changed files the tool should see
// (not deleted, not binary, not skipped, within [MaxFiles] and [MaxLines],
// matching Paths) and, apart, those of the changed files no tool can be
// given or that are beyond the bounds, whether they match Paths or not, so
// that every analyzer reports the same.
func (a Analyzer) selectFiles(pr *reviewer.PullRequest) (paths []string, skipped []SkippedPath) {
	if pr == nil {
		return nil, nil
	}
	files, lines := 0, 0
	for _, f := range pr.Files {
		if f.Change == reviewer.ChangeDelete || f.Binary || f.Skipped != "" {
			continue
		}
		if _, reason := ToolPath(f.Path); reason != "" {
			skipped = append(skipped, SkippedPath{Path: f.Path, Reason: reason})
			continue
		}
		if added := f.AddedLines(); added > 0 {
			if files >= MaxFiles || lines+added > MaxLines {
				skipped = append(skipped, SkippedPath{Path: f.Path, OverLimit: true})
				continue
			}
			files++
			lines += added
		}
		if a.matches(f.Path) {
			paths = append(paths, f.Path)
		}
	}
	return paths, skipped
}

// matches reports whether path ends with one of the Paths suffixes (always
// true without any).
func (a Analyzer) matches(path string) bool {
	if len(a.Paths) == 0 {
		return true
	}
	for _, s := range a.Paths {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	return false
}

// findings converts the tool's SARIF results on the tree's files.
func (a Analyzer) findings(results []SARIFResult, t *tree) []reviewer.Finding {
	var fs []reviewer.Finding
	for _, res := range results {
		path, ok := t.prPath(res.URI)
		if !ok || res.StartLine < 1 {
			continue
		}
		rule := a.Name
		if res.RuleID != "" {
			rule += "/" + res.RuleID
		}
		msg := res.Message
		if msg == "" {
			msg = rule
		}
		fs = append(fs, reviewer.Finding{
			Path:      path,
			StartLine: res.StartLine,
			EndLine:   max(res.EndLine, res.StartLine),
			Rule:      rule,
			Severity:  res.Severity,
			Message:   msg,
		})
	}
	return fs
}
