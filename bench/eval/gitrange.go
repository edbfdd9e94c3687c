package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// reviewRange runs the deterministic reviewers on the change between two
// revisions of the git repository at dir (rng is "BASE..HEAD"), as one pull
// request, and prints the findings per rule and severity, and with verbose
// each finding: a real repository's change has no expectations to score,
// so what it measures is how many comments a team would get, and of what.
func reviewRange(ctx context.Context, w io.Writer, dir, rng string, s suite, verbose bool) error {
	base, head, ok := strings.Cut(rng, "..")
	if !ok || base == "" || head == "" {
		return fmt.Errorf("-range %q: want BASE..HEAD", rng)
	}
	pr, err := gitPullRequest(ctx, dir, base, head)
	if err != nil {
		return err
	}
	cfg := repoconfig.Defaults()
	input, skipped := cfg.Filter(pr)
	reviewers := []reviewer.Reviewer{reviewer.Rules(), s.secrets}
	res := reviewer.Run(ctx, input, reviewers...)
	if err := res.Err(); err != nil {
		return err
	}
	findings := cfg.Apply(res.Findings)
	added := 0
	for _, f := range input.Files {
		added += f.AddedLines()
	}
	fmt.Fprintf(w, "%s %s: %d files, %d added lines, %d not reviewed (limits, binary, size)\n\n", dir, rng, len(pr.Files), added, len(skipped))
	type key struct{ rule, severity string }
	counts := map[key]int{}
	for _, f := range findings {
		counts[key{f.Rule, string(f.Severity)}]++
	}
	fmt.Fprintf(w, "%-40s %-8s %s\n", "rule", "severity", "findings")
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b key) int {
		return cmp.Or(strings.Compare(a.rule, b.rule), strings.Compare(a.severity, b.severity))
	}) {
		fmt.Fprintf(w, "%-40s %-8s %d\n", k.rule, k.severity, counts[k])
	}
	errorsN := 0
	for _, f := range findings {
		if f.Severity == reviewer.SeverityError {
			errorsN++
		}
	}
	fmt.Fprintf(w, "%-40s %-8s %d (%d at error: the status would fail)\n", "all", "", len(findings), errorsN)
	if verbose {
		fmt.Fprintln(w)
		for _, f := range findings {
			fmt.Fprintf(w, "  %s:%d %s %s\n", f.Path, f.StartLine, f.Rule, f.Severity)
		}
	}
	return nil
}

// gitPullRequest diffs every file changed between base and head in the
// repository at dir, renames followed, as the worker diffs a pull request.
func gitPullRequest(ctx context.Context, dir, base, head string) (*reviewer.PullRequest, error) {
	out, err := git(ctx, dir, "diff", "--name-status", "-M", "-z", base, head)
	if err != nil {
		return nil, err
	}
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	pr := &reviewer.PullRequest{Title: base + ".." + head}
	for i := 0; i < len(fields); {
		status := fields[i]
		oldPath, newPath := fields[i+1], fields[i+1]
		i += 2
		if strings.HasPrefix(status, "R") || strings.HasPrefix(status, "C") {
			newPath = fields[i]
			i++
		}
		var oldData, newData []byte
		change := reviewer.ChangeEdit
		switch status[0] {
		case 'A':
			change = reviewer.ChangeAdd
		case 'D':
			change = reviewer.ChangeDelete
		case 'R':
			change = reviewer.ChangeRename
		}
		if change != reviewer.ChangeAdd {
			if oldData, err = git(ctx, dir, "show", base+":"+oldPath); err != nil {
				return nil, err
			}
		}
		if change != reviewer.ChangeDelete {
			if newData, err = git(ctx, dir, "show", head+":"+newPath); err != nil {
				return nil, err
			}
		}
		old := ""
		if change == reviewer.ChangeRename {
			old = "/" + oldPath
		}
		pr.Files = append(pr.Files, reviewer.Diff("/"+newPath, old, change, oldData, newData, reviewer.DiffOptions{}))
	}
	return pr, nil
}

// git runs git in dir and returns its standard output.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
