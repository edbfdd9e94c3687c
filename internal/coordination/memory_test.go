package coordination_test

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

func newStore(t testing.TB) *coordination.Memory {
	t.Helper()
	b := eventstest.Start(t, streams.Config{Memory: true})
	s, err := coordination.EnsureMemory(context.Background(), b.JS, streams.Config{Memory: true})
	require.NoError(t, err)
	return s
}

// TestSuppressionMatches: a suppression covers its rule, the files of its
// directory with its extension, and the same text up to case, numbers and
// punctuation.
func TestSuppressionMatches(t *testing.T) {
	t.Parallel()
	s := coordination.NewSuppression("debug/console-log", "/src/app/a.js", "**Warning** · `debug/console-log`\n\nconsole.log on line 12", 7, 3, "wontFix", time.Now())
	require.Len(t, s.ID, 10)
	require.Equal(t, "/src/app/*.js", s.PathGlob)
	tests := []struct {
		name, rule, path, text string
		want                   bool
	}{
		{"same finding", "debug/console-log", "/src/app/a.js", "**Warning** · `debug/console-log`\n\nconsole.log on line 12", true},
		{"another file of the directory, another line", "debug/console-log", "/src/app/b.js", "**warning** · `debug/console-log` console.log on line 40", true},
		{"another rule", "debug/debugger", "/src/app/a.js", "**Warning** · `debug/console-log`\n\nconsole.log on line 12", false},
		{"another extension", "debug/console-log", "/src/app/a.ts", "**Warning** · `debug/console-log`\n\nconsole.log on line 12", false},
		{"a subdirectory", "debug/console-log", "/src/app/x/a.js", "**Warning** · `debug/console-log`\n\nconsole.log on line 12", false},
		{"other words", "debug/console-log", "/src/app/a.js", "**Warning** · `debug/console-log`\n\nconsole.info on line 12", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, s.Matches(tt.rule, tt.path, tt.text))
		})
	}
}

// TestGlob: the glob of a path matches the path itself, whatever glob
// characters its name holds, and a name without an extension stays whole.
func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"/src/a.go", "/src/*.go"},
		{"/Makefile", "/Makefile"},
		{"/.env", "/.env"},
		{"/we[ir]d/*?.js", `/we\[ir\]d/*.js`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, coordination.Glob(tt.path), tt.path)
		ok, err := path.Match(coordination.Glob(tt.path), tt.path)
		require.NoError(t, err)
		require.True(t, ok, tt.path)
	}
}

// FuzzGlob: every path's glob is a valid pattern that matches the path.
func FuzzGlob(f *testing.F) {
	for _, s := range []string{"/src/a.go", "/a", "/[", `/\`, "/x/*.?", "/é/ü.rs", "/a.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		g := coordination.Glob(p)
		ok, err := path.Match(g, p)
		if err != nil || !ok {
			t.Fatalf("Glob(%q) = %q does not match it (err %v)", p, g, err)
		}
	})
}

// TestRemember: known ids are not added twice, the count per repository
// is bounded (oldest dropped), repositories are apart, and a forgotten
// thread is not learned again.
func TestRemember(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	at := time.Now()
	one := coordination.NewSuppression("r/a", "/a.js", "text a", 1, 10, "wontFix", at)
	added, err := s.Remember(ctx, "Repo-1", []coordination.Suppression{one, one})
	require.NoError(t, err)
	require.Len(t, added, 1)
	added, err = s.Remember(ctx, "repo-1", []coordination.Suppression{one})
	require.NoError(t, err)
	require.Empty(t, added, "known already (the repository id's case does not matter)")
	other, err := s.Suppressions(ctx, "repo-2")
	require.NoError(t, err)
	require.Empty(t, other)

	var many []coordination.Suppression
	for i := range coordination.MaxSuppressions + 5 {
		many = append(many, coordination.NewSuppression("r/b", "/b.js", fmt.Sprintf("text %c%c", 'a'+i%26, 'a'+i/26), 2+i, 100+i, "byDesign", at))
	}
	_, err = s.Remember(ctx, "repo-1", many)
	require.NoError(t, err)
	got, err := s.Suppressions(ctx, "repo-1")
	require.NoError(t, err)
	require.Len(t, got, coordination.MaxSuppressions)
	require.NotEqual(t, one.ID, got[0].ID, "the oldest went first")

	removed, found, err := s.Forget(ctx, "repo-1", got[0].ID)
	require.NoError(t, err)
	require.True(t, found)
	_, found, err = s.Forget(ctx, "repo-1", got[0].ID)
	require.NoError(t, err)
	require.False(t, found)
	added, err = s.Remember(ctx, "repo-1", []coordination.Suppression{removed})
	require.NoError(t, err)
	require.Empty(t, added, "the thread an unsuppress undid teaches nothing again")
}

// One pull request teaches at most MaxSuppressionsPerPullRequest (its
// author sets the statuses), and the repository's value always fits the
// bucket, however long the rules, globs and texts.
func TestRememberBounds(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	at := time.Now()
	var one []coordination.Suppression
	for i := range 3 * coordination.MaxSuppressionsPerPullRequest {
		one = append(one, coordination.NewSuppression("r/a", "/a.js", fmt.Sprintf("text %c%c", 'a'+i%26, 'a'+i/26), 7, 100+i, "wontFix", at))
	}
	added, err := s.Remember(ctx, "repo", one)
	require.NoError(t, err)
	require.Len(t, added, coordination.MaxSuppressionsPerPullRequest)
	added, err = s.Remember(ctx, "repo", one)
	require.NoError(t, err)
	require.Empty(t, added, "the pull request taught all it may")

	long := strings.Repeat("<&>\\", 200)
	var wide []coordination.Suppression
	for i := range coordination.MaxSuppressions {
		wide = append(wide, coordination.NewSuppression("r/"+long, "/"+long+fmt.Sprint(i)+"/x.js", long+fmt.Sprintf(" %c%c", 'a'+i%26, 'a'+i/26), 1000+i, 1, "wontFix", at))
	}
	_, err = s.Remember(ctx, "repo", wide)
	require.NoError(t, err, "the oldest give way rather than the write failing")
	got, err := s.Suppressions(ctx, "repo")
	require.NoError(t, err)
	require.NotEmpty(t, got)
	require.Less(t, len(got), coordination.MaxSuppressions, "trimmed to the value size")
	_, err = s.Remember(ctx, "repo", []coordination.Suppression{coordination.NewSuppression("r/c", "/c.js", "later", 5000, 1, "wontFix", at)})
	require.NoError(t, err, "learning goes on")
}

// TestTake: at most limit commands per window per pull request; the next
// one is possible when the oldest leaves the window.
func TestTake(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name string
		pr   int
		at   time.Time
		ok   bool
		next time.Time
	}{
		{"first", 1, t0, true, time.Time{}},
		{"second", 1, t0.Add(10 * time.Minute), true, time.Time{}},
		{"third is over the limit", 1, t0.Add(20 * time.Minute), false, t0.Add(time.Hour)},
		{"another pull request", 2, t0.Add(20 * time.Minute), true, time.Time{}},
		{"the first left the window", 1, t0.Add(61 * time.Minute), true, time.Time{}},
		{"full again", 1, t0.Add(62 * time.Minute), false, t0.Add(70 * time.Minute)},
	}
	for _, st := range steps {
		ok, next, err := s.Take(ctx, "repo", st.pr, 2, time.Hour, st.at)
		require.NoError(t, err, st.name)
		require.Equal(t, st.ok, ok, st.name)
		if !st.ok {
			require.True(t, st.next.Equal(next), "%s: next %s, want %s", st.name, next, st.next)
		}
	}
}

// TestConcurrentUpdates: updates from many goroutines (workers) are
// compare-and-set: none is lost.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for range 3 {
				require.NoError(t, s.Spent(ctx, "repo", 9, 10, 1))
			}
		})
	}
	wg.Wait()
	u, err := s.Usage(ctx, "repo", 9)
	require.NoError(t, err)
	require.Equal(t, 18, u.Commands)
	require.EqualValues(t, 180, u.PromptTokens)
	require.EqualValues(t, 18, u.CompletionTokens)
}
