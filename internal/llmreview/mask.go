package llmreview

import (
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// maskedLine replaces, in a prompt, a line that holds a secret.
const maskedLine = "[line hidden by azreviewer: it holds a secret]"

// mask returns pr with every line that a built-in secret rule flags —
// added, deleted or context, title and description included — replaced by
// maskedLine, so that no secret a rule found reaches the model. pr itself is
// not modified.
func mask(secrets *reviewer.SecretRules, pr *reviewer.PullRequest) *reviewer.PullRequest {
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
	out.Files = make([]reviewer.FileDiff, len(pr.Files))
	for i, f := range pr.Files {
		out.Files[i] = maskFile(secrets, f)
	}
	return &out
}

// maskFile masks the lines of f's new side (context and added lines) and
// old side (context and deleted lines) that hold a secret.
func maskFile(secrets *reviewer.SecretRules, f reviewer.FileDiff) reviewer.FileDiff {
	if len(f.Hunks) == 0 {
		return f
	}
	type ref struct{ hunk, line int }
	var newText, oldText []string
	var newRef, oldRef []ref
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
	hit := map[ref]bool{}
	for i, secret := range secrets.Lines(f.Path, newText) {
		if secret {
			hit[newRef[i]] = true
		}
	}
	oldPath := f.Path
	if f.OldPath != "" {
		oldPath = f.OldPath
	}
	for i, secret := range secrets.Lines(oldPath, oldText) {
		if secret {
			hit[oldRef[i]] = true
		}
	}
	if len(hit) == 0 {
		return f
	}
	hunks := make([]reviewer.Hunk, len(f.Hunks))
	for h := range f.Hunks {
		hunks[h] = f.Hunks[h]
		hunks[h].Lines = append([]reviewer.Line(nil), f.Hunks[h].Lines...)
		for l := range hunks[h].Lines {
			if hit[ref{h, l}] {
				hunks[h].Lines[l].Text = maskedLine
			}
		}
	}
	f.Hunks = hunks
	return f
}
