package secrets

import (
	"regexp"

	"github.com/zricethezav/gitleaks/v8/config"
)

// thirdPartyPaths are the files a review does not scan: lock files and
// checksums, vendored dependencies, build-tool wrappers and binary formats,
// whose content the pull request's author did not write and whose hashes
// would read as secrets. They are gitleaks' global path allow-list, each
// anchored to whole path components: gitleaks' own patterns match anywhere
// in a path, so that naming a file or directory gitleaks.toml, cargo.mod or
// bootstrap.js, or putting it under verification-metadata.xml/, would keep
// the scanner off it. The file names a project picks for its own code
// (bootstrap.js, jquery-setup.js) are scanned; a library's minified or
// versioned bundle is not.
var thirdPartyPaths = regexp.MustCompile(`(?:^|/)(?:` +
	`\.?gitleaks\.toml|` +
	`go\.(?:mod|sum|work(?:\.sum)?)|` +
	`vendor/modules\.txt|` +
	`gradlew(?:\.bat)?|gradle\.lockfile|mvnw(?:\.cmd)?|\.mvn/wrapper/MavenWrapperDownloader\.java|` +
	`deno\.lock|npm-shrinkwrap\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock|(?:Pipfile|poetry)\.lock|` +
	`javascript\.json|verification-metadata\.xml|Database\.refactorlog|\.git|` +
	`(?:angular|bootstrap|jquery(?:-?ui)?|plotly|swagger-?ui)(?:[a-zA-Z0-9.-]*\.min|[.-]v?\d+(?:\.\d+)+[a-zA-Z0-9.-]*)\.js(?:\.map)?|` +
	`[^/]+\.gem|` +
	`(?i:[^/]+\.(?:bmp|gif|jpe?g|png|svg|tiff?|eot|[ot]tf|woff2?|docx?|xlsx?|pdf|bin|socket|vsidx|v2|suo|wsuo|dll|pdb|exe|gltf))` +
	`)$` +
	`|(?:^|/)(?:` +
	`vendor/(?:github\.com|golang\.org/x|google\.golang\.org|gopkg\.in|istio\.io|k8s\.io|sigs\.k8s\.io|bundle|ruby)|` +
	`node_modules|bower_components|` +
	`(?i:v?env|virtualenv)/lib(?:64)?|` +
	`(?i:lib(?:64)?/python[23](?:\.\d{1,2})+|python/[23](?:\.\d{1,2})+/lib(?:64)?)|` +
	`(?i:[a-z0-9_.]+-[0-9.]+\.dist-info)` +
	`)(?:/|$)`)

// thirdParty reports whether the file at p (no leading "/") is one a review
// does not scan (see thirdPartyPaths).
func thirdParty(p string) bool { return thirdPartyPaths.MatchString(p) }

// withoutPaths returns the global allow-lists lists with no path in them: the
// scanner decides which files to scan itself (thirdParty), and Lines must
// see every file.
func withoutPaths(lists []*config.Allowlist) ([]*config.Allowlist, error) {
	out := make([]*config.Allowlist, 0, len(lists))
	for _, a := range lists {
		if len(a.Paths) == 0 || a.MatchCondition == config.AllowlistMatchAnd {
			out = append(out, a) // paths only narrow an AND list
			continue
		}
		if len(a.Commits) == 0 && len(a.Regexes) == 0 && len(a.StopWords) == 0 {
			continue
		}
		b := &config.Allowlist{
			Description:    a.Description,
			MatchCondition: a.MatchCondition,
			Commits:        a.Commits,
			RegexTarget:    a.RegexTarget,
			Regexes:        a.Regexes,
			StopWords:      a.StopWords,
		}
		if err := b.Validate(); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
