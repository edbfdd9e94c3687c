package secrets

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Allow is what a repository or organisation declares not to be a secret,
// as .azreviewer.yaml's secrets.allow writes it. The zero value allows
// nothing.
type Allow struct {
	// Paths are doublestar globs, matched against the path without its
	// leading "/", of files never scanned.
	Paths []string
	// Values are Go (RE2) regular expressions; a found value that one
	// matches is not reported.
	Values []string
	// Stopwords are words; a found value containing one, in any case, is not
	// reported.
	Stopwords []string
}

// allowList is a compiled [Allow].
type allowList struct {
	paths     []string
	values    []*regexp.Regexp
	stopwords []string
}

// compile returns a compiled; it fails on a value pattern that does not
// compile or a glob that is not valid.
func (a Allow) compile() (allowList, error) {
	out := allowList{paths: make([]string, 0, len(a.Paths)), stopwords: make([]string, 0, len(a.Stopwords))}
	for _, g := range a.Paths {
		g = strings.TrimPrefix(g, "/")
		if !doublestar.ValidatePattern(g) {
			return allowList{}, fmt.Errorf("secrets: allowed path %q is not a valid glob pattern", g)
		}
		out.paths = append(out.paths, g)
	}
	for _, v := range a.Values {
		re, err := regexp.Compile(v)
		if err != nil {
			return allowList{}, fmt.Errorf("secrets: allowed value pattern: %w", err)
		}
		out.values = append(out.values, re)
	}
	for _, w := range a.Stopwords {
		if w != "" {
			out.stopwords = append(out.stopwords, strings.ToLower(w))
		}
	}
	return out, nil
}

// join returns what a or b allows.
func (a allowList) join(b allowList) allowList {
	return allowList{
		paths:     append(append([]string(nil), a.paths...), b.paths...),
		values:    append(append([]*regexp.Regexp(nil), a.values...), b.values...),
		stopwords: append(append([]string(nil), a.stopwords...), b.stopwords...),
	}
}

// path reports whether the file at p (leading "/") is allowed.
func (a allowList) path(p string) bool {
	p = strings.TrimPrefix(p, "/")
	for _, g := range a.paths {
		if ok, err := doublestar.Match(g, p); ok && err == nil {
			return true
		}
	}
	return false
}

// value reports whether a found value is allowed.
func (a allowList) value(v string) bool {
	for _, re := range a.values {
		if re.MatchString(v) {
			return true
		}
	}
	if len(a.stopwords) == 0 {
		return false
	}
	low := strings.ToLower(v)
	for _, w := range a.stopwords {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}
