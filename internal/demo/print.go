package demo

import (
	"fmt"
	"io"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/markdown"
)

// PrintThreads writes one line per thread: "path:line  text" for threads
// on a file, "(pull request)  text" for the others, then the summary and
// the length of the longest comment.
func PrintThreads(w io.Writer, threads []git.GitPullRequestCommentThread) (findings int) {
	var summary string
	longest := 0
	defer func() {
		fmt.Fprintf(w, "\nlongest comment: %d bytes (cap %d)\n", longest, markdown.MaxComment)
	}()
	for _, t := range threads {
		text := firstComment(t)
		longest = max(longest, len(text))
		if t.ThreadContext == nil || t.ThreadContext.FilePath == nil {
			summary = text
			continue
		}
		findings++
		line := 0
		if p := t.ThreadContext.RightFileStart; p != nil && p.Line != nil {
			line = *p.Line
		}
		loc := fmt.Sprintf("%s:%d", *t.ThreadContext.FilePath, line)
		if p := t.ThreadContext.RightFileEnd; p != nil && p.Line != nil && *p.Line != line {
			loc += fmt.Sprintf("-%d", *p.Line)
		}
		fmt.Fprintf(w, "%-28s %s\n", loc, flatten(text))
	}
	if summary != "" {
		fmt.Fprintf(w, "\nsummary thread:\n%s\n", indent(summary))
	}
	return findings
}

func firstComment(t git.GitPullRequestCommentThread) string {
	if t.Comments == nil || len(*t.Comments) == 0 || (*t.Comments)[0].Content == nil {
		return ""
	}
	return *(*t.Comments)[0].Content
}

// flatten turns a finding's markdown into one readable line; a fenced
// block (a suggestion) becomes "[suggestion: N lines]".
func flatten(md string) string {
	var kept []string
	fence, n := "", 0
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case fence == "" && strings.HasPrefix(t, "```"):
			fence = t[:len(t)-len(strings.TrimLeft(t, "`"))]
			n = 0
		case fence != "" && strings.Trim(t, "`") == "" && len(t) >= len(fence):
			kept = append(kept, fmt.Sprintf("[%s: %d lines]", "suggestion", n))
			fence = ""
		case fence != "":
			n++
		default:
			kept = append(kept, l)
		}
	}
	md = strings.NewReplacer("**", "", "`", "").Replace(strings.Join(kept, "\n"))
	return strings.Join(strings.Fields(strings.ReplaceAll(md, "\n\n", " — ")), " ")
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// PrintStatuses writes the pull request's newest status of each context.
func PrintStatuses(w io.Writer, statuses []git.GitPullRequestStatus) {
	newest := map[string]git.GitPullRequestStatus{}
	var order []string
	for _, st := range statuses {
		if st.Context == nil || st.Context.Name == nil {
			continue
		}
		name := *st.Context.Name
		if st.Context.Genre != nil && *st.Context.Genre != "" {
			name = *st.Context.Genre + "/" + name
		}
		if _, seen := newest[name]; !seen {
			order = append(order, name)
		}
		newest[name] = st
	}
	for _, name := range order {
		st := newest[name]
		state, desc := "", ""
		if st.State != nil {
			state = string(*st.State)
		}
		if st.Description != nil {
			desc = *st.Description
		}
		fmt.Fprintf(w, "pull request status %s: %s — %s\n\n", name, state, desc)
	}
}
