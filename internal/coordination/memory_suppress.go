package coordination

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of what one repository's memory holds.
const (
	// MaxSuppressions is the most suppressions kept per repository; a new
	// one beyond it drops the oldest.
	MaxSuppressions = 200
	// MaxSuppressionsPerPullRequest is the most suppressions one pull
	// request teaches: its author sets the statuses, and must not crowd
	// out what the repository learned elsewhere.
	MaxSuppressionsPerPullRequest = 10
	// maxForgotten is the most undone suppressions remembered per
	// repository, so that a thread still marked won't fix is not learned
	// again after /azreviewer unsuppress.
	maxForgotten = 200
	// maxTextBytes bounds a suppression's normalised text.
	maxTextBytes = 600
	// maxFieldBytes bounds a rule or a path glob.
	maxFieldBytes = 400
)

// Suppression is a finding a person marked won't fix or by design: later
// findings of the same rule, on a path the glob matches, with the same
// normalised text, are not posted again in the repository.
type Suppression struct {
	// ID names the suppression in the summary and in /azreviewer unsuppress:
	// 10 hex digits of a hash of Rule, PathGlob and Text.
	ID string `json:"id"`
	// Rule is the finding's rule, e.g. "debug/console-log".
	Rule string `json:"rule"`
	// PathGlob matches the paths the suppression covers ([path.Match]
	// syntax): the finding's directory and extension, e.g. "/src/*.js".
	PathGlob string `json:"path_glob"`
	// Text is the finding's comment text, normalised ([Normalize]).
	Text string `json:"text"`
	// PullRequest and Thread are where it was learned; Status is the
	// status the thread was set to.
	PullRequest int    `json:"pull_request"`
	Thread      int    `json:"thread"`
	Status      string `json:"status"`
	// At is when it was learned.
	At time.Time `json:"at"`
}

// NewSuppression returns the suppression of a finding of rule at file path
// whose comment text is text, learned from thread of pullRequest set to
// status.
func NewSuppression(rule, filePath, text string, pullRequest, thread int, status string, at time.Time) Suppression {
	s := Suppression{
		Rule: clip(rule, maxFieldBytes), PathGlob: clip(Glob(filePath), maxFieldBytes), Text: clip(Normalize(text), maxTextBytes),
		PullRequest: pullRequest, Thread: thread, Status: status, At: at.UTC(),
	}
	sum := sha256.Sum256([]byte(s.Rule + "\x00" + s.PathGlob + "\x00" + s.Text))
	s.ID = hex.EncodeToString(sum[:5])
	return s
}

// Matches reports whether a finding of rule at filePath with comment text
// text is one s suppresses.
func (s Suppression) Matches(rule, filePath, text string) bool {
	if rule != s.Rule {
		return false
	}
	if ok, err := path.Match(s.PathGlob, filePath); err != nil || !ok {
		return false
	}
	return clip(Normalize(text), maxTextBytes) == s.Text
}

// Glob is the path glob of a suppression learned at filePath: the file's
// directory, any name, the same extension ("/src/a/*.go"); a name without
// an extension is kept whole ("/Makefile"). Glob metacharacters of the path
// are escaped.
func Glob(filePath string) string {
	dir, name := path.Split(filePath)
	ext := path.Ext(name)
	if ext == "" || ext == name {
		return escapeGlob(filePath)
	}
	return escapeGlob(dir) + "*" + escapeGlob(ext)
}

func escapeGlob(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if strings.IndexByte(`*?[]\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Normalize is the text suppressions compare: lower case, runs of digits
// as "#" (line numbers, counts), every run of anything but letters and
// digits as one space, trimmed.
func Normalize(text string) string {
	var b strings.Builder
	space, digits := false, false
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsDigit(r):
			if !digits {
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteByte('#')
			}
			space, digits = false, true
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space, digits = false, false
		default:
			space, digits = true, false
		}
	}
	return b.String()
}

// clip cuts s to at most n bytes, not inside a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// repository is the value of a repository's key.
type repository struct {
	Suppressions []Suppression `json:"suppressions"`
	// Forgotten are the pull request/thread pairs undone with unsuppress.
	Forgotten []string `json:"forgotten,omitempty"`
}

func repositoryKey(repositoryID string) string { return "wontfix." + token(repositoryID) }

func threadRef(pullRequest, thread int) string {
	return strconvItoa(pullRequest) + "/" + strconvItoa(thread)
}

// Suppressions returns the repository's suppressions, oldest first.
func (s *Memory) Suppressions(ctx context.Context, repositoryID string) ([]Suppression, error) {
	var v repository
	if _, err := get(ctx, s.kv, repositoryKey(repositoryID), &v); err != nil {
		return nil, err
	}
	return v.Suppressions, nil
}

// Remember adds the suppressions not yet known (by ID) for the repository,
// except those learned from a thread an unsuppress undid, and returns those
// added. One pull request teaches at most [MaxSuppressionsPerPullRequest];
// beyond [MaxSuppressions], or when the repository's value would not fit
// the bucket's value size, the oldest are dropped.
func (s *Memory) Remember(ctx context.Context, repositoryID string, learned []Suppression) ([]Suppression, error) {
	var added []Suppression
	_, err := update(ctx, s.kv, repositoryKey(repositoryID), func(v *repository) (bool, error) {
		added = added[:0]
		taught := map[int]int{}
		for _, o := range v.Suppressions {
			taught[o.PullRequest]++
		}
		for _, n := range learned {
			known := slices.ContainsFunc(v.Suppressions, func(o Suppression) bool { return o.ID == n.ID })
			if known || slices.Contains(v.Forgotten, threadRef(n.PullRequest, n.Thread)) ||
				slices.ContainsFunc(added, func(o Suppression) bool { return o.ID == n.ID }) ||
				taught[n.PullRequest] >= MaxSuppressionsPerPullRequest {
				continue
			}
			taught[n.PullRequest]++
			added = append(added, n)
		}
		if len(added) == 0 {
			return false, nil
		}
		v.Suppressions = append(v.Suppressions, added...)
		if over := len(v.Suppressions) - MaxSuppressions; over > 0 {
			v.Suppressions = slices.Delete(v.Suppressions, 0, over)
		}
		for len(v.Suppressions) > 1 && encodedSize(v) > maxValueBytes-valueMargin {
			v.Suppressions = v.Suppressions[1:]
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// Forget removes the repository's suppression id and returns it; found is
// false when there is none. The thread it was learned from is not learned
// again.
func (s *Memory) Forget(ctx context.Context, repositoryID, id string) (removed Suppression, found bool, err error) {
	id = strings.ToLower(strings.TrimSpace(id))
	_, err = update(ctx, s.kv, repositoryKey(repositoryID), func(v *repository) (bool, error) {
		i := slices.IndexFunc(v.Suppressions, func(o Suppression) bool { return o.ID == id })
		if i < 0 {
			found = false
			return false, nil
		}
		removed, found = v.Suppressions[i], true
		v.Suppressions = slices.Delete(v.Suppressions, i, i+1)
		v.Forgotten = append(v.Forgotten, threadRef(removed.PullRequest, removed.Thread))
		if over := len(v.Forgotten) - maxForgotten; over > 0 {
			v.Forgotten = slices.Delete(v.Forgotten, 0, over)
		}
		return true, nil
	})
	return removed, found, err
}

// encodedSize is v's size as stored (0 if it cannot be encoded, which the
// write then reports).
func encodedSize(v *repository) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}
