package markdown_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
)

// hostile are texts a pull request or a model can put in a comment.
var hostile = []struct{ name, text string }{
	{"mention by id", "Ping @<5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01> now"},
	{"mention everyone", "@<ALL> @<[Project]\\Contributors> look"},
	{"image beacon", "![x](https://evil.example/beacon.png?pr=1)"},
	{"html image", `<img src="https://evil.example/b.png">`},
	{"javascript link", "[click me](javascript:alert(document.cookie))"},
	{"reference link", "[a]\n\n[a]: https://evil.example"},
	{"raw html", "<details open><summary>x</summary><script>alert(1)</script></details>"},
	{"html comment", "<!-- hidden --> text"},
	{"autolink", "<https://evil.example/x>"},
	{"bare url", "see https://evil.example/x and www.evil.example"},
	{"fuzzy domain", "go to evil.example today"},
	{"email", "write to a@evil.example"},
	{"header", "# Owned\n## again"},
	{"fence", "```\ncode\n```\nafter ~~~ and\n~~~"},
	{"table", "| a | b |\n|---|---|\n| 1 | 2 |"},
	{"rule", "text\n\n---\n\n***\n___"},
	{"setext", "intro\n\nTitle\n=====\n"},
	{"quote", "> quoted\n>> more"},
	{"indented code", "a\n\n        indented code"},
	{"list", "- a\n* b\n+ c\n1. d\n2) e"},
	{"work item and pull request links", "fixes #123 and !45"},
	{"entities", "&lt;script&gt; &#64;&#60;ALL&#62; &amp;"},
	{"backslashes", `\<b\> \@\<ALL\> \\`},
	{"code span with mention", "use `@<ALL>` or ``a`b``"},
	{"unclosed code span", "a ` b `` c"},
	{"bidi and controls", "safe\u202Eevil\u0000\u0007\x1b[31m"},
	{"invalid utf8", "a\xff\xfe b"},
	{"line separators", "a\u2028# b\u2029> c\u0085- d"},
	{"emoji and math", ":smile: $x^2$ ==mark=="},
	{"mention after link", "@https://docs.example.com/x"},
}

func TestTextIsSafe(t *testing.T) {
	t.Parallel()
	p := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := p.Text(tt.text)
			require.NoError(t, markdowntest.Check(out, p), "%q rendered as %q", tt.text, out)
			require.NotContains(t, out, "\n")
		})
	}
}

// TestCheckCatches proves the checker is not vacuous: posted verbatim, as
// azreviewer did before, each hostile text fails it.
func TestCheckCatches(t *testing.T) {
	t.Parallel()
	safeAnyway := map[string]bool{"list": true, "entities": true, "backslashes": true, "emoji and math": true,
		"bidi and controls": true, "invalid utf8": true, "unclosed code span": true, "line separators": true}
	for _, tt := range hostile {
		if safeAnyway[tt.name] {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Error(t, markdowntest.Check(tt.text, markdown.Policy{}))
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	p := markdown.Policy{AllowedHosts: []string{"docs.example.com", "*.learn.example"}}
	tests := []struct{ name, in, want string }{
		{"plain", "Remove it.", "Remove it."},
		{"code span kept", "Remove `console.log` here", "Remove `console.log` here"},
		{"code span with backticks", "``a`b``", "``a`b``"},
		{"allowed link", "see https://docs.example.com/a?b=1.", "see <https://docs.example.com/a?b=1>."},
		{"allowed subdomain", "https://x.learn.example/p", "<https://x.learn.example/p>"},
		{"allowed host, work-item link in the URL", "https://docs.example.com/#12", `https\://docs\.example\.com/&num;12`},
		{"other host", "https://evil.example", `https\://evil\.example`},
		{"userinfo trick", "https://docs.example.com@evil.example/", `https\://docs\.example\.com\@evil\.example/`},
		{"javascript", "[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"mention", "@<ALL>", `\@&lt;ALL&gt;`},
		{"lines joined", "a\n\n# b", "a # b"},
		{"header", "# b", "&num; b"},
		{"item links", "see #12, !3 and C# or hi!", "see &num;12, &excl;3 and C# or hi!"},
		{"list marker", "- a - b", `\- a - b`},
		{"ordered list marker", "12. a 3. b", `12\. a 3. b`},
		{"readable prose", "LLM: 2 requests (1 failed), x = y + 1.", "LLM: 2 requests (1 failed), x = y + 1."},
		{"idn", "evil.\u0440\u0444", "evil\\.\u0440\u0444"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, p.Text(tt.in))
		})
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "/src/a.js", "`/src/a.js`"},
		{"backtick", "/src/a`b.js", "``/src/a`b.js``"},
		{"backtick at the end", "/src/a`", "`` /src/a` ``"},
		{"newline", "/src/a\n- b`\n", "``/src/a - b` ``"},
		{"spaces at both ends", " a ", "`  a  `"},
		{"mention", "@<ALL>", "`@\u2060<ALL>`"},
		{"empty", "", "` `"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := markdown.Code(tt.in)
			require.Equal(t, tt.want, got)
			require.NoError(t, markdowntest.Check("- "+got+": skipped", markdown.Policy{}))
		})
	}
}

func TestSuggestion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "x := 1\n", "```suggestion\nx := 1\n```", true},
		{"fence inside", "a\n```\nb\n````\n", "`````suggestion\na\n```\nb\n````\n`````", true},
		{"crlf", "a\r\nb", "```suggestion\na\nb\n```", true},
		{"html stays code", "<script>x</script>", "```suggestion\n<script>x</script>\n```", true},
		{"mention refused", "// @<ALL>", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := markdown.Suggestion(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
			if ok {
				require.NoError(t, markdowntest.Check("**Error**\n\n"+got+"\n\nafter", markdown.Policy{}))
			}
		})
	}
}

func TestBlock(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, info, in, want string }{
		{"plain", "text", "a: b\n", "```text\na: b\n```"},
		{"fence inside", "yaml", "a\n```\n", "````yaml\na\n```\n````"},
		{"mention defused", "text", "@<ALL> look", "```text\n@\u2060<ALL> look\n```"},
		{"info cannot break the fence", "text\n# `Owned`", "x", "```textOwned\nx\n```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := markdown.Block(tt.info, tt.in)
			require.Equal(t, tt.want, got)
			require.NoError(t, markdowntest.Check("intro\n\n"+got+"\n\nafter", markdown.Policy{}))
		})
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	sugg, _ := markdown.Suggestion(strings.Repeat("line\n", 100))
	tests := []struct {
		name  string
		md    string
		limit int
		want  string
	}{
		{"fits", "a\nb\n", 10, "a\nb\n"},
		{"whole lines", "aaaa\nbbbb\ncccc\n", 80, "aaaa\nbbbb\ncccc\n"},
		{"cut before an open fence", "intro\n\n" + sugg + "\n\nend", 300, "intro"},
		{"a long line is left out whole", "short\n" + markdown.Text(strings.Repeat("a.b ", 100)), 120, "short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := markdown.Truncate(tt.md, tt.limit)
			require.LessOrEqual(t, len(got), max(tt.limit, len(tt.md)))
			if len(tt.md) > tt.limit {
				require.LessOrEqual(t, len(got), tt.limit)
				require.True(t, strings.HasPrefix(got, tt.want+"\n\n_… cut here"), got)
				require.False(t, markdown.OpenFence(got))
			} else {
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	require.Equal(t, "abc", markdown.Clip("abc", 3))
	require.Equal(t, "ab…", markdown.Clip("abc", 2))
	require.Equal(t, "é…", markdown.Clip("éé", 1))
	require.True(t, utf8.ValidString(markdown.Clip("日本語", 2)))
}

func TestNewPolicy(t *testing.T) {
	t.Parallel()
	p, err := markdown.NewPolicy([]string{" Docs.Example.com ", "", "*.learn.example"})
	require.NoError(t, err)
	require.True(t, p.Allows("docs.example.com"))
	require.True(t, p.Allows("a.learn.example"))
	require.False(t, p.Allows("learn.example"))
	require.False(t, p.Allows("docs.example.com.evil.example"))
	for _, bad := range []string{"https://x.example", "x.example/path", "a..b", "*.", "x y"} {
		_, err := markdown.NewPolicy([]string{bad})
		require.ErrorIs(t, err, markdown.ErrInvalidHost, bad)
	}
}
