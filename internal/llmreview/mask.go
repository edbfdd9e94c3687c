package llmreview

import (
	"slices"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// maskedLine replaces, in a prompt, a line that holds a secret.
const maskedLine = "[line hidden by azreviewer: it holds a secret]"

// mask returns pr with every line that a built-in secret rule flags —
// added, deleted or context, title and description included — replaced by
// maskedLine, so that no secret a rule found reaches the model. pr itself is
// not modified.
func mask(secrets SecretLines, pr *reviewer.PullRequest) *reviewer.PullRequest {
	out := maskHeader(secrets, pr)
	out.Files = make([]reviewer.FileDiff, len(pr.Files))
	for i, f := range pr.Files {
		out.Files[i] = maskFile(secrets, f)
	}
	return out
}

// maskHeader returns pr with the lines of its title and description that
// hold a secret masked as mask does, sharing pr's files, unmasked:
// makeBatches masks each file it renders (maskFile), so a review bound
// to a few requests scans only the files those requests show.
func maskHeader(secrets SecretLines, pr *reviewer.PullRequest) *reviewer.PullRequest {
	out := *pr
	if secrets.Lines("", []string{pr.Title})[0] {
		out.Title = maskedLine
	}
	desc := strings.Split(pr.Description, "\n")
	for i, hit := range secrets.Lines("", desc) {
		if hit {
			desc[i] = maskedLine
		}
	}
	out.Description = strings.Join(desc, "\n")
	return &out
}

// maskFile masks the lines of f's new side (context and added lines) and
// old side (context and deleted lines) that hold a secret.
func maskFile(secrets SecretLines, f reviewer.FileDiff) reviewer.FileDiff {
	if len(f.Hunks) == 0 {
		return f
	}
	type ref struct{ hunk, line int }
	n := 0
	for h := range f.Hunks {
		n += len(f.Hunks[h].Lines)
	}
	newText, oldText := make([]string, 0, n), make([]string, 0, n)
	newRef, oldRef := make([]ref, 0, n), make([]ref, 0, n)
	for h := range f.Hunks {
		for l, line := range f.Hunks[h].Lines {
			if line.Kind != reviewer.Deleted {
				newText, newRef = append(newText, line.Text), append(newRef, ref{h, l})
			}
			if line.Kind != reviewer.Added {
				oldText, oldRef = append(oldText, line.Text), append(oldRef, ref{h, l})
			}
		}
	}
	var hit []ref
	for i, secret := range secrets.Lines(f.Path, newText) {
		if secret {
			hit = append(hit, newRef[i])
		}
	}
	oldPath := f.Path
	if f.OldPath != "" {
		oldPath = f.OldPath
	}
	for i, secret := range secrets.Lines(oldPath, oldText) {
		if secret {
			hit = append(hit, oldRef[i])
		}
	}
	if len(hit) == 0 {
		return f
	}
	hunks := slices.Clone(f.Hunks)
	cloned := make([]bool, len(hunks))
	for _, r := range hit {
		if !cloned[r.hunk] {
			hunks[r.hunk].Lines = slices.Clone(hunks[r.hunk].Lines)
			cloned[r.hunk] = true
		}
		hunks[r.hunk].Lines[r.line].Text = maskedLine
	}
	f.Hunks = hunks
	return f
}

// maskText returns text with every line a built-in secret rule flags
// replaced by maskedLine.
func maskText(secrets SecretLines, text string) string {
	if text == "" {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, hit := range secrets.Lines("", lines) {
		if hit {
			lines[i] = maskedLine
		}
	}
	return strings.Join(lines, "\n")
}
