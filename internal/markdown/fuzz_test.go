package markdown_test

import (
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
)

// FuzzRender renders arbitrary text the way a finding's comment uses it —
// a rule id and a path as code, a message as prose, a replacement as a
// suggestion — and checks the comment: no panic, no live mention, raw HTML,
// image, foreign link or broken structure; the suggestion reads back as
// exactly the replacement; a truncated comment stays within its limit and
// closes every fence.
func FuzzRender(f *testing.F) {
	for _, tt := range hostile {
		f.Add(tt.text, tt.text, uint16(200))
	}
	f.Add("x := `a`\n```\n", "@<ALL> see https://docs.example.com/a", uint16(64))
	f.Add("````\n~~~\n", "`` ` ``", uint16(0))
	p := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	f.Fuzz(func(t *testing.T, text, replacement string, limit uint16) {
		var b strings.Builder
		b.WriteString("**Error** · " + markdown.Code(text) + "\n\n" + p.Text(text))
		sugg, ok := markdown.Suggestion(replacement)
		if ok {
			b.WriteString("\n\n" + sugg)
		} else if !strings.Contains(replacement, "@<") {
			t.Fatalf("suggestion of %q refused", replacement)
		}
		b.WriteString("\n\n- " + markdown.Code(replacement) + ": " + p.Text(replacement) + "\n")
		md := b.String()
		if err := markdowntest.Check(md, p); err != nil {
			t.Fatalf("unsafe comment for %q / %q:\n%s\n%v", text, replacement, md, err)
		}
		if ok {
			fences := markdowntest.Fences(md)
			want := strings.ReplaceAll(strings.ReplaceAll(strings.ToValidUTF8(replacement, "\uFFFD"), "\r\n", "\n"), "\r", "\n")
			want = strings.TrimSuffix(want, "\n") + "\n"
			if len(fences) != 1 || fences[0].Info != "suggestion" || fences[0].Content != want {
				t.Fatalf("suggestion of %q reads back as %+v", replacement, fences)
			}
		}
		cut := markdown.Truncate(md, int(limit))
		if len(md) > int(limit) && len(cut) > int(limit) {
			t.Fatalf("truncated to %d bytes, limit %d", len(cut), limit)
		}
		if markdown.OpenFence(cut) {
			t.Fatalf("truncation leaves a fence open:\n%s", cut)
		}
		if strings.Contains(cut, "@<") {
			t.Fatalf("truncation made a mention:\n%s", cut)
		}
	})
}
