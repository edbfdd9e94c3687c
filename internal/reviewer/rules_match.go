package reviewer

import (
	"path"
	"regexp"
	"strings"
)

// fileInfo is what file matchers look at: the path in lower case, so that
// extensions and directory names match in any case.
type fileInfo struct {
	path string // lower-case, with a leading "/"
	base string // lower-case base name
	ext  string // lower-case extension with its dot, "" when none
}

func newFileInfo(p string) fileInfo {
	p = strings.ToLower(adoPath(p))
	base := path.Base(p)
	return fileInfo{path: p, base: base, ext: path.Ext(base)}
}

// fileMatcher selects the files a rule applies to.
type fileMatcher func(fileInfo) bool

// exts matches files with one of the lower-case extensions (with their dot).
func exts(list ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, e := range list {
			if f.ext == e {
				return true
			}
		}
		return false
	}
}

// baseIs matches files with one of the lower-case base names.
func baseIs(names ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, n := range names {
			if f.base == n {
				return true
			}
		}
		return false
	}
}

// basePrefix matches files whose base name starts with one of the prefixes.
func basePrefix(prefixes ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(f.base, p) {
				return true
			}
		}
		return false
	}
}

// baseSuffix matches files whose base name ends with one of the suffixes.
func baseSuffix(suffixes ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, s := range suffixes {
			if strings.HasSuffix(f.base, s) {
				return true
			}
		}
		return false
	}
}

// baseContains matches files whose base name contains one of the parts.
func baseContains(parts ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, p := range parts {
			if strings.Contains(f.base, p) {
				return true
			}
		}
		return false
	}
}

// inDir matches files below a directory with one of the lower-case names, at
// any depth.
func inDir(names ...string) fileMatcher {
	return func(f fileInfo) bool {
		for _, n := range names {
			if strings.Contains(f.path, "/"+n+"/") {
				return true
			}
		}
		return false
	}
}

// allOf matches files that every matcher matches.
func allOf(ms ...fileMatcher) fileMatcher {
	return func(f fileInfo) bool {
		for _, m := range ms {
			if !m(f) {
				return false
			}
		}
		return true
	}
}

// anyOf matches files that at least one matcher matches.
func anyOf(ms ...fileMatcher) fileMatcher {
	return func(f fileInfo) bool {
		for _, m := range ms {
			if m(f) {
				return true
			}
		}
		return false
	}
}

// not matches the files m does not match.
func not(m fileMatcher) fileMatcher { return func(f fileInfo) bool { return !m(f) } }

// isComment reports whether a line is a whole-line comment in C-like,
// shell-like or Python syntax.
func isComment(text string) bool {
	t := strings.TrimLeft(text, " \t")
	return strings.HasPrefix(t, "//") || strings.HasPrefix(t, "/*") ||
		strings.HasPrefix(t, "*") || strings.HasPrefix(t, "#")
}

// templated matches values that refer to a secret instead of holding one:
// ${VAR}, $VAR, $(var), {{ var }}, ${{ secrets.X }}, <your-key>, {0},
// %VAR%, #{token}# and __TOKEN__ (Azure Pipelines token replacement).
var templated = regexp.MustCompile(`^(?:\$[{(]?[A-Za-z_].*|\$\{\{.*|\{.*\}|<.*>|%[^%\s]+%|#\{.*\}#|__\w+__)$`)

// envVarName matches an environment variable's name, such as DB_PASSWORD,
// which is where a secret is read from, not the secret.
var envVarName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$`)

// placeholderWords are values, compared in lower case without "-", "_" and
// ".", that stand in for a credential in examples and defaults.
var placeholderWords = map[string]bool{
	"changeme": true, "changeit": true, "password": true, "passwd": true,
	"secret": true, "token": true, "apikey": true, "accesskey": true,
	"secretkey": true, "credential": true, "credentials": true,
	"redacted": true, "removed": true, "hidden": true, "masked": true,
	"placeholder": true, "example": true, "sample": true, "dummy": true,
	"fake": true, "test": true, "todo": true, "tbd": true, "fixme": true,
	"none": true, "null": true, "nil": true, "undefined": true, "empty": true,
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"bearer": true, "basic": true, "notasecret": true,
}

// separators are removed before looking a value up in placeholderWords.
var separators = strings.NewReplacer("-", "", "_", "", ".", "")

// minSecretLen is the length below which a literal is not taken for a
// credential: such short values are test data or flags, not secrets.
const minSecretLen = 4

// isPlaceholder reports whether a credential-shaped literal is obviously not
// a real secret: shorter than minSecretLen, containing white space (prose,
// such as a translated label), templated, an environment variable's name,
// one repeated character (xxxx, ****), a placeholder word, or a phrase like
// "your-api-key", "<example>" or "replace-me".
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < minSecretLen || strings.ContainsAny(v, " \t") ||
		templated.MatchString(v) || envVarName.MatchString(v) {
		return true
	}
	if strings.Count(v, v[:1]) == len(v) {
		return true
	}
	w := strings.ToLower(v)
	if placeholderWords[separators.Replace(w)] || strings.HasPrefix(w, "your") {
		return true
	}
	for _, s := range []string{"example", "placeholder", "changeme", "change-me", "change_me", "replace", "xxxx", "****"} {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// isTemplated reports whether v refers to a value rather than holding one.
func isTemplated(v string) bool { return templated.MatchString(strings.TrimSpace(v)) }
