package secrets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// benchPR is a pull request of 50 files of 200 added lines of ordinary
// code, with a few secrets among them.
func benchPR() *reviewer.PullRequest {
	pr := &reviewer.PullRequest{}
	for f := range 50 {
		var b strings.Builder
		for l := range 200 {
			switch {
			case l == 100 && f%10 == 0:
				fmt.Fprintf(&b, "\tconst token = %q\n", token("K"))
			case l%7 == 0:
				fmt.Fprintf(&b, "\t// step %d: read the key and the token from the config\n", l)
			default:
				fmt.Fprintf(&b, "\tresult%d, err := client.Fetch(ctx, \"item-%d\", options{Retries: %d, Timeout: time.Second})\n", l, l, l%5)
			}
		}
		pr.Files = append(pr.Files, reviewer.Diff(fmt.Sprintf("/src/pkg%d/file.go", f), "", reviewer.ChangeAdd, nil, []byte(b.String()), reviewer.DiffOptions{}))
	}
	return pr
}

// hostilePR is one file of a single line of 1 MiB dense with the words the
// generic rule starts from, as a minified bundle or an attacker could add.
func hostilePR() *reviewer.PullRequest {
	line := strings.Repeat(`apiKey="a8f5f167f44f4964e6c9";token=`, (1<<20)/36)
	return &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff("/dist/app.min.js", "", reviewer.ChangeAdd, nil, []byte(line+"\n"), reviewer.DiffOptions{MaxFileBytes: 2 << 20})}}
}

// oneFile is a pull request adding one file of unit repeated to 1 MiB after
// head.
func oneFile(head, unit string) *reviewer.PullRequest {
	body := head + strings.Repeat(unit, (1<<20-len(head))/len(unit))
	return &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff("/src/app.js", "", reviewer.ChangeAdd, nil, []byte(body), reviewer.DiffOptions{})}}
}

// BenchmarkHostile measures files of 1 MiB built to make the detector work
// hard, against ordinary code of the same size in the same run: lines that
// each match the generic rule's pattern (but not its entropy), one line of
// tokens, many lines of tokens, private-key BEGIN lines, a Kubernetes
// secret's data lines, and curl commands.
func BenchmarkHostile(b *testing.B) {
	for _, c := range []struct{ name, head, unit string }{
		{"ordinary", "", "\tresult, err := client.Fetch(ctx, \"item\", options{Retries: 3})\n"},
		{"generic-lines", "", "key=aaaaaaaaaa\n"},
		{"token-line", "", token("Z") + " "},
		{"token-lines", "", token("Z") + "\n"},
		{"generic-line", "", `apiKey="a8f5f167f44f4964e6c9";`},
		{"key-begins", "", "-----BEGIN PRIVATE" + " KEY-----\n"},
		{"key-no-end", "-----BEGIN PRIVATE" + " KEY-----\n", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0BYOWyTXaZTNOdbSHnJ3oRhAV\n"},
		{"k8s-data", "kind: secret\n", "data: x\n"},
		{"curl-lines", "", "curl x\n"},
	} {
		pr := oneFile(c.head, c.unit)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(1 << 20)
			for b.Loop() {
				if _, err := scanner.Review(context.Background(), pr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReview compares the scanner with the built-in rules on the same
// pull requests: an ordinary one of 10,000 added lines, and a hostile one.
func BenchmarkReview(b *testing.B) {
	for _, pr := range []struct {
		name string
		pr   *reviewer.PullRequest
	}{{"ordinary", benchPR()}, {"hostile", hostilePR()}} {
		for _, r := range []reviewer.Reviewer{scanner, reviewer.Rules()} {
			b.Run(pr.name+"/"+r.Name(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.Review(context.Background(), pr.pr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLines measures the masking of one hunk's lines.
func BenchmarkLines(b *testing.B) {
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = fmt.Sprintf("\tresult%d, err := client.Fetch(ctx, \"item-%d\")", i, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		scanner.Lines("/src/a.go", lines)
	}
}

// BenchmarkAllowValues measures the cost of secrets.allow.values on a file
// of 2,000 distinct tokens: none, 100 patterns at the per-pattern limit
// (which repoconfig now refuses), and patterns up to the limit for all of
// them together.
func BenchmarkAllowValues(b *testing.B) {
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var body strings.Builder
	x := uint64(88172645463325252)
	for range 2000 {
		body.WriteString("ghp_")
		for range 36 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			body.WriteByte(abc[x%62])
		}
		body.WriteString("\n")
	}
	pr := diffPR(map[string]string{"/src/tokens.go": body.String()})
	slow := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(`[\p{L}\p{N}]{1,490}!%c`, 'a'+i%26) // about 985 instructions, never matching
		}
		return out
	}
	for _, c := range []struct {
		name   string
		values []string
	}{{"none", nil}, {"100-at-pattern-limit", slow(100)}, {"5-at-total-limit", slow(5)}} {
		s, err := scanner.WithAllow(secrets.Allow{Values: c.values})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Review(context.Background(), pr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
