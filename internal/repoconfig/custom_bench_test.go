package repoconfig_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// BenchmarkCustomRules measures what looking at the context before every
// match (and every 1024 characters of a long line) costs: "bare" matches
// the same patterns on the same lines with regexp alone, the baseline;
// "reviewer" runs them as the custom rules' Reviewer under a deadline.
func BenchmarkCustomRules(b *testing.B) {
	patterns := []string{`TODO\(`, `(?i)fixme`, `System\.out\.println`, `password\s*=\s*"[^"]+"`, `[\p{L}\p{N}]{1,100}$`}
	var custom []repoconfig.CustomRule
	var bare []*regexp.Regexp
	for i, p := range patterns {
		custom = append(custom, repoconfig.CustomRule{ID: fmt.Sprintf("r%d", i), Pattern: p, Message: "m"})
		bare = append(bare, regexp.MustCompile(p))
	}
	r, err := repoconfig.Config{Custom: custom}.CustomRules()
	if err != nil {
		b.Fatal(err)
	}
	for _, width := range []int{60, 8 << 10} {
		line := strings.Repeat("x = compute(value) + 1; ", width/24+1)[:width]
		lines := strings.Repeat(line+"\n", 100) // within the diff's 1 MiB
		file := reviewer.Diff("/a.go", "", reviewer.ChangeAdd, nil, []byte(lines), reviewer.DiffOptions{})
		pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{file}}
		texts := strings.Split(strings.TrimSuffix(lines, "\n"), "\n")
		b.Run(fmt.Sprintf("bare/line=%d", width), func(b *testing.B) {
			for b.Loop() {
				for _, t := range texts {
					for _, re := range bare {
						re.MatchString(t)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("reviewer/line=%d", width), func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			for b.Loop() {
				if _, err := r.Review(ctx, pr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
