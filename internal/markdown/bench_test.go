package markdown_test

import (
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/markdown"
)

// benchText is about 300 KB of prose of the given shape.
func benchText(shape string) string {
	var sb strings.Builder
	switch shape {
	case "backtick runs": // runs of 1, 2, 3, … backticks: none closes another
		for n := 1; sb.Len() < 300_000; n++ {
			sb.WriteString(strings.Repeat("`", n) + " x ")
		}
	case "urls": // URLs to an allowed host's look-alike, back to back
		for sb.Len() < 300_000 {
			sb.WriteString("http://http://docs.example.com.evil/")
		}
	default:
		for sb.Len() < 300_000 {
			sb.WriteString("Remove the debug statement before merging. ")
		}
	}
	return sb.String()
}

// BenchmarkText renders hostile shapes of 300 KB; "plain" is the baseline.
// Rendering is linear, so the hostile shapes cost about the same per byte.
func BenchmarkText(b *testing.B) {
	p := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	for _, shape := range []string{"plain", "backtick runs", "urls"} {
		s := benchText(shape)
		b.Run(shape, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				p.Text(s)
			}
		})
	}
}
