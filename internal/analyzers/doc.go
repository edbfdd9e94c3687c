// Package analyzers runs external static analyzers (golangci-lint, semgrep,
// ...) over the files a pull request changed, and turns their SARIF 2.1.0
// output into [reviewer.Finding] values.
//
// Each configured [Analyzer] becomes one [reviewer.Reviewer] named
// "analyzer/<name>", so a tool that fails is listed on its own in
// [reviewer.Result.Failed] and does not hide the others' findings.
//
// For every review the head version of each changed file (not deleted, not
// binary, not skipped, matching [Analyzer.Paths]) is fetched through [Files]
// and written into a fresh temporary directory, which becomes the tool's
// working directory and is removed afterwards. The tool is started directly
// (argv, no shell) with an environment limited to PATH, HOME and TMPDIR plus
// [Analyzer.Env], so the worker's secrets do not leak to it; it runs in its
// own process group, which is killed when [Analyzer.Timeout] expires or its
// standard output exceeds [Analyzer.MaxOutputBytes].
//
// Many linters exit with a non-zero status when they found something, so the
// exit status alone decides nothing: valid SARIF on standard output is a
// success whatever the status, and anything else is a failure whose error
// names the tool, its exit status and the tail of its standard error.
//
// Results are mapped back to pull-request paths (relative URIs, or file://
// URIs inside the temporary directory); results on files the pull request did
// not change are dropped, and [reviewer.Run] then drops those that are not on
// added lines.
package analyzers
