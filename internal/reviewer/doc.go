// Package reviewer is the pure-logic core of azreviewer: the diff model, the
// [Reviewer] interface, the [Run] pipeline that turns reviewer output into
// postable findings, and a first built-in rule set ([Rules]) that needs no
// network.
//
// The package knows nothing about NATS, HTTP or the Azure DevOps APIs. A
// caller fetches both versions of every changed file, builds a [FileDiff] per
// file with [Diff], hands the [PullRequest] to [Run] together with the
// reviewers to apply, and posts the resulting [Finding] values as comment
// threads.
//
// # Diffs
//
// [Diff] computes a line diff with exact 1-based old and new line numbers,
// using the Myers/LCS implementation of github.com/aymanbagabas/go-udiff (a
// port of the one in gopls) between anchor lines that occur once on each
// side, so large files with many scattered edits still get a precise diff. Lines are compared byte for byte, including their
// line terminator, as git does: a line that only gained or lost its trailing
// newline, or whose ending changed between LF and CRLF, is a changed line.
// [Line.Text] holds the line without its terminator ("\n" or "\r\n"), so rules
// and column offsets never see the "\r"; [Line.NoNewline] marks the last line
// of a file that has no trailing newline. Binary files (a NUL byte in the
// first 8000 bytes of either side, git's heuristic) and files larger than
// [DiffOptions.MaxFileBytes] are not diffed: [FileDiff.Skipped] says why.
//
// # Findings
//
// A [Finding] anchors a message to a range of new-side lines. [Run] keeps only
// findings whose every line is an added (or changed) line of the diff, so a
// pull request is never commented on for code it did not touch, fills the
// column offsets so the anchor covers the whole lines, removes duplicates,
// and sorts the result deterministically. [Finding.Fingerprint] identifies a
// finding independently of line numbers, so a caller can recognise a finding
// it has already posted after the pull request is updated and lines shift;
// identical findings in one file are told apart by their place among them.
//
// # Built-in rules
//
// [Rules] returns the rule set named "rules": hard-coded secrets, merge
// conflict markers, debug leftovers and focused or skipped tests. The rules
// are one data table (rules_table.go): a new rule is one entry. Messages say
// what is wrong and what to do, and never quote the offending value.
//
// Rules know where they are. Most match a line's code view, in which a
// small lexer (lexer.go) has blanked comments and string-literal contents,
// so console.log in a string, a JSDoc block or a Python docstring is quiet;
// the lexer follows block comments and multi-line strings across the lines
// of a hunk, and [Diff] records the state at each hunk's first line
// ([Hunk.StartState]) so a hunk that starts inside a comment opened above
// it is known. Files are classed by path as tests, test fixtures,
// documentation and examples, generated (also by a "Code generated … DO
// NOT EDIT." header the diff shows) and vendored code: debug rules are
// quiet outside the repository's own code, and test rules look at its own
// test files only. Severity follows confidence: only a complete conflict
// block and a focused test with a literal title in a test file are errors.
//
// The credential rule skips values that are obviously not secrets: shorter
// than 4 characters, containing white space, templated (${VAR}, $(var),
// {{ var }}, <your-key>, #{token}#, __TOKEN__, %VAR%), an environment
// variable's name (DB_PASSWORD), one repeated character (xxxx, ****), or
// placeholder words and phrases (changeme, example, your-api-key, …).
//
// A line containing "azreviewer:ignore", or following a line containing
// "azreviewer:ignore-next-line", gets no finding from the built-in rules;
// console.log and debugger also honour eslint-disable-line and
// eslint-disable-next-line, and Go prints honour //nolint.
package reviewer
