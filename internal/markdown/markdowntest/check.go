// Package markdowntest checks that a comment is safe to post: it parses the
// comment with an independent CommonMark and GitHub Flavored Markdown parser
// (goldmark, autolinks on) and reports what a reader's renderer would turn
// into a mention, HTML, an image, a link to a host not allowed, or structure
// the comment did not intend. It is for tests; production code does not
// link it.
package markdowntest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/azreviewer/azreviewer/internal/markdown"
)

// sentinel is appended to the checked comment; it must come out as a
// paragraph of its own, or something (an open fence, an HTML block) swallowed
// the rest of the comment.
const sentinel = "azreviewer-sentinel-end-of-comment"

var (
	// fuzzyLink is what markdown-it's linkify (linkify-it) links without a
	// scheme: a dotted name ending in letters, e.g. evil.example or
	// www.evil.example. A backslash before the dot breaks it.
	fuzzyLink = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9-]*\.[a-z][a-z0-9-]+`)
	// email is an address GFM and linkify-it link.
	email = regexp.MustCompile(`(?i)[a-z0-9._+-]+@[a-z0-9-]+`)
	// itemLink is Azure DevOps' work-item (#123) and pull-request (!123)
	// link syntax.
	itemLink = regexp.MustCompile(`[#!][0-9]`)
)

// Check returns an error naming the first unsafe construct in md, or nil:
//
//   - "@<" anywhere, code included (an Azure DevOps mention);
//   - raw HTML, inline or block;
//   - an image;
//   - a link or autolink (GFM's www., http://, email) other than http or
//     https to a host p allows, and, in prose, text that markdown-it's
//     linkify would link (a dotted name, an email address);
//   - "#123" or "!123" in prose (work-item and pull-request links);
//   - a heading other than the comment's first block, a table, a block
//     quote, a thematic break or an indented code block;
//   - a fenced block left open, swallowing the rest of the comment;
//   - more than markdown.MaxComment bytes.
func Check(md string, p markdown.Policy) error {
	if len(md) > markdown.MaxComment {
		return fmt.Errorf("comment of %d bytes is over the cap of %d", len(md), markdown.MaxComment)
	}
	if i := strings.Index(md, "@<"); i >= 0 {
		return fmt.Errorf("live mention at byte %d: %q", i, excerpt(md, i))
	}
	src := []byte(md + "\n\n" + sentinel + "\n")
	parser := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()
	doc := parser.Parse(text.NewReader(src))
	var errs []error
	sentinelSeen := false
	first := doc.FirstChild()
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML, *ast.HTMLBlock:
			errs = append(errs, fmt.Errorf("raw HTML: %q", nodeText(n, src)))
		case *ast.Image:
			errs = append(errs, fmt.Errorf("image to %q", n.Destination))
		case *ast.Link:
			if !allowed(string(n.Destination), p) {
				errs = append(errs, fmt.Errorf("link to %q", n.Destination))
			}
		case *ast.AutoLink:
			if n.AutoLinkType == ast.AutoLinkEmail || !allowed(string(n.URL(src)), p) {
				errs = append(errs, fmt.Errorf("autolink to %q", n.URL(src)))
			}
		case *ast.Heading:
			if n != first {
				errs = append(errs, fmt.Errorf("heading %q", nodeText(n, src)))
			}
		case *ast.ThematicBreak:
			errs = append(errs, errors.New("thematic break"))
		case *ast.Blockquote:
			errs = append(errs, errors.New("block quote"))
		case *ast.CodeBlock:
			errs = append(errs, errors.New("indented code block"))
		case *east.Table:
			errs = append(errs, errors.New("table"))
		case *ast.Paragraph:
			if strings.TrimSpace(nodeText(n, src)) == sentinel && n.Parent() == doc {
				sentinelSeen = true
			}
		case *ast.Text:
			seg := string(n.Segment.Value(src))
			if seg == sentinel || !prose(n) {
				break
			}
			for _, re := range []*regexp.Regexp{fuzzyLink, email, itemLink} {
				if m := re.FindString(seg); m != "" {
					errs = append(errs, fmt.Errorf("prose a renderer would link: %q in %q", m, seg))
				}
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return err
	}
	if !sentinelSeen {
		errs = append(errs, errors.New("the comment swallows what follows it (an open fence or HTML block)"))
	}
	return errors.Join(errs...)
}

// prose reports whether a text node is prose: not inside a code span or a
// link's text.
func prose(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		switch p.(type) {
		case *ast.CodeSpan, *ast.Link:
			return false
		}
	}
	return true
}

func allowed(dest string, p markdown.Policy) bool {
	u, err := url.Parse(dest)
	if err != nil || u.User != nil {
		return false
	}
	return (u.Scheme == "https" || u.Scheme == "http") && p.Allows(u.Hostname())
}

func nodeText(n ast.Node, src []byte) string {
	var sb strings.Builder
	if n.Type() == ast.TypeBlock {
		for i := range n.Lines().Len() {
			seg := n.Lines().At(i)
			sb.Write(seg.Value(src))
		}
		if sb.Len() > 0 {
			return sb.String()
		}
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			sb.Write(t.Segment.Value(src))
		} else {
			sb.WriteString(nodeText(c, src))
		}
	}
	if r, ok := n.(*ast.RawHTML); ok {
		for i := range r.Segments.Len() {
			seg := r.Segments.At(i)
			sb.Write(seg.Value(src))
		}
	}
	return sb.String()
}

func excerpt(s string, i int) string {
	return s[max(0, i-20):min(len(s), i+40)]
}

// Fence is a fenced code block as a CommonMark parser reads it.
type Fence struct {
	Info, Content string
}

// Fences returns md's fenced code blocks.
func Fences(md string) []Fence {
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	var out []Fence
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if fb, ok := n.(*ast.FencedCodeBlock); ok && entering {
			var sb strings.Builder
			for i := range fb.Lines().Len() {
				seg := fb.Lines().At(i)
				sb.Write(seg.Value(src))
			}
			info := ""
			if fb.Info != nil {
				info = string(fb.Info.Segment.Value(src))
			}
			out = append(out, Fence{Info: info, Content: sb.String()})
		}
		return ast.WalkContinue, nil
	})
	return out
}
