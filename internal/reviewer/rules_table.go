package reviewer

// Shared patterns and messages.
const (
	msgConflict = "Merge-conflict marker left in the file. " +
		"Resolve the conflict and remove the <<<<<<<, ======= and >>>>>>> lines."
	msgFocused = "Focused test (.only, fit, fdescribe): every other test in the suite stops running. " +
		"Remove the focus before merging."
	msgSkipped = "Test skipped unconditionally, so it no longer guards anything. " +
		"Fix or delete the test; if it must stay skipped for now, make the skip conditional or link the tracking work item in its reason."
)

// focusedCall matches the callee of a focused test: it.only, describe.only,
// test.describe.only, fit, fdescribe, fcontext.
const focusedCall = `(?:^|[^\w$.])(?:(?:test\.)?(?:describe|context|it|test|suite)\.only|fdescribe|fcontext|fit)`

// ruleTable is the built-in rule set: one entry per pattern. To add a rule,
// add an entry; rules_test.go checks the table and testdata/rules holds a
// fixture per rule.
//
// Each entry says in a comment what it deliberately leaves quiet. What every
// code rule leaves quiet: text in comments, docstrings and string literals
// (it matches the line's code view, see lexer.go), lines with an
// azreviewer:ignore comment, and context and deleted lines.
//
// Severity follows confidence. Only error fails the azreviewer/review status
// and so can block a merge, so an entry gets error only when what it matches
// is a problem with near certainty: a complete conflict block (<<<<<<< to
// >>>>>>>), or a test focused with .only(…)/fit(…) and a title in a test
// file. A shape that is likely but not certain (a stray conflict marker, a
// focus whose title is not a literal, a skipped test, a debugger statement,
// a console.log) is a warning; a print that may be deliberate output (fmt.Print,
// Python's print) is info. Entries of one id may differ in severity this way;
// a repository's .azreviewer.yaml can still override an id's severity.
//
//	rule id                  severity        fires on
//	conflict/marker          error / warning complete block / stray marker line
//	debug/console-log        warning         console.log, console.debug (JS, TS)
//	debug/debugger           warning         debugger statement (JS, TS)
//	debug/go-print           info            fmt.Print, Println, Printf
//	debug/go-builtin-print   warning         print, println statements (Go)
//	debug/python-print       info            print(…)
//	debug/python-breakpoint  warning         breakpoint(), pdb.set_trace(), import pdb
//	test/focused             error / warning .only/fit/fdescribe with a title / without
//	test/skipped             warning         unconditional skips (JS, Go, pytest, unittest)
func ruleTable() []ruleSpec {
	// The file sets the rules apply to.
	goFiles := exts(".go")
	// goTests are compiled by go test: not under testdata or vendor.
	goTests := allOf(baseSuffix("_test.go"), not(isFixture), not(isVendored))
	jsFiles := exts(".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")
	pyFiles := exts(".py")
	// ownTests are test code of this repository: not fixtures (test
	// inputs), vendored or generated code.
	ownTests := allOf(isTest, not(isFixture), not(isVendored), not(isGenerated))
	jsTests := allOf(jsFiles, ownTests)
	pyTests := allOf(pyFiles, ownTests)
	// docFiles are prose, where "=======" underlines a heading.
	docFiles := exts(".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt")
	// notOurs are files where a debug leftover is not one: documentation and
	// examples (printing is the point of an example), generated and
	// vendored code (not written here), and test fixtures (test inputs).
	notOurs := anyOf(isDoc, isGenerated, isVendored, isFixture)
	// printingDirs hold programs whose job may be to print: commands,
	// tools, scripts.
	printingDirs := inDir("cmd", "tools", "scripts", "bin")

	return []ruleSpec{
		// Merge-conflict markers. A complete added conflict, <<<<<<< to
		// >>>>>>> within one hunk (a side equal to the base shows as
		// context lines inside it), is one error finding; a
		// marker line outside one is a warning (it may be half of a
		// conflict whose rest is not in the diff, or text shaped like one).
		// They fire in every file, string literal or not: a marker at the
		// start of a line breaks most files whatever the lexer says.
		// Quiet: "=======" alone in prose (a heading underline), and
		// markers not at the start of the line.
		{
			id:            "conflict/marker",
			severity:      SeverityError,
			message:       msgConflict,
			hints:         []string{"<<<<<<<"},
			pattern:       `^<<<<<<<(?:\s|$)`,
			end:           `^>>>>>>>(?:\s|$)`,
			endRequired:   true,
			acrossContext: true,
		},
		{
			id:       "conflict/marker",
			severity: SeverityWarning,
			message:  msgConflict,
			hints:    []string{"<<<<<<<", ">>>>>>>", "|||||||"},
			pattern:  `^(?:<<<<<<<|>>>>>>>|\|\|\|\|\|\|\|)(?:\s|$)`,
		},
		{
			// Outside a conflict, "=======" alone underlines a heading in prose.
			id:       "conflict/marker",
			severity: SeverityWarning,
			message:  msgConflict,
			files:    not(docFiles),
			hints:    []string{"======="},
			pattern:  `^=======\s*$`,
		},

		// Debug leftovers: warnings or info, never errors, since a print can
		// be deliberate. Quiet in documentation and examples, generated and
		// vendored code and test fixtures (notOurs), and in comments and
		// strings (code).
		{
			// Also quiet: other console methods (error, warn, info report on
			// purpose), qualified names (logger.console.log), programs that
			// print by design (cmd, tools, scripts, bin), eslint-disabled lines.
			id:       "debug/console-log",
			severity: SeverityWarning,
			message: "console.log call left in the code. " +
				"Remove it, or use the project's logger if the output is meant to stay.",
			files:      allOf(jsFiles, not(notOurs), not(printingDirs)),
			code:       true,
			hints:      []string{"console."},
			pattern:    `(?:^|[^\w$.])console\.(?:log|debug)\s*\(`,
			unless:     `eslint-disable-line`,
			unlessPrev: `eslint-disable-next-line`,
		},
		{
			// Also quiet: a property or key named debugger, eslint-disabled lines.
			id:       "debug/debugger",
			severity: SeverityWarning,
			message: "debugger statement left in the code: it pauses execution whenever developer tools are open. " +
				"Remove it.",
			files:      allOf(jsFiles, not(notOurs)),
			code:       true,
			hints:      []string{"debugger"},
			pattern:    `(?:^|[^\w$.])debugger\s*(?:;|\}|$)`,
			unless:     `eslint-disable-line`,
			unlessPrev: `eslint-disable-next-line`,
		},
		{
			// Also quiet: commands, tools and scripts (cmd/, main.go), which
			// print by design; tests (t.Log is the tool there, and noise
			// costs more); fmt.Sprint and Fprint; //nolint lines.
			id:       "debug/go-print",
			severity: SeverityInfo,
			message: "fmt.Print call writes straight to standard output and looks like a leftover debug print. " +
				"Remove it, or use the project's logger.",
			files:   allOf(goFiles, not(goTests), not(notOurs), not(printingDirs), not(baseIs("main.go"))),
			code:    true,
			hints:   []string{"fmt.print"},
			pattern: `(?:^|[^\w.])fmt\.Print(?:ln|f)?\(`,
			unless:  `//\s*nolint`,
		},
		{
			// print and println return nothing, so a call starts a statement.
			// Also quiet: a method or function of that name being declared,
			// //nolint lines.
			id:       "debug/go-builtin-print",
			severity: SeverityWarning,
			message: "Built-in print/println call: it writes to standard error, is meant for bootstrapping the runtime only, and is usually a leftover debug print. " +
				"Remove it, or use the project's logger.",
			files:   allOf(goFiles, not(notOurs)),
			code:    true,
			hints:   []string{"print"},
			pattern: `(?:^\s*|[{;]\s*|\b(?:defer|go)\s+)print(?:ln)?\(`,
			unless:  `^\s*func\b|//\s*nolint`,
		},
		{
			// Also quiet: programs that print by design (cmd, tools, scripts,
			// bin, __main__.py, setup.py, manage.py); print(…, file=…), which
			// reports; def print; # noqa lines.
			id:       "debug/python-print",
			severity: SeverityInfo,
			message: "print() call looks like a leftover debug print. " +
				"Remove it, or use the logging module.",
			files:   allOf(pyFiles, not(notOurs), not(printingDirs), not(baseIs("__main__.py", "setup.py", "manage.py"))),
			code:    true,
			hints:   []string{"print"},
			pattern: `(?:^|[^\w.])print\s*\(`,
			unless:  `^\s*def\s|\bfile\s*=|#\s*noqa`,
		},
		{
			// Nothing is quiet beyond notOurs and code: a breakpoint stops
			// even a script or a command.
			id:       "debug/python-breakpoint",
			severity: SeverityWarning,
			message: "Debugger breakpoint left in the code (breakpoint(), pdb): it stops the program to wait for input. " +
				"Remove it.",
			files:   allOf(pyFiles, not(notOurs)),
			code:    true,
			hints:   []string{"breakpoint", "pdb"},
			pattern: `(?:^|[^\w.])(?:breakpoint\(\)|i?pdb\.set_trace\(\)|import\s+i?pdb\b)`,
		},

		// Focused or skipped tests: in the repository's own test files only
		// (ownTests), never in fixtures, vendored or generated code, nor in
		// comments and strings (code). Quiet too: functions or methods that
		// share a name (chart.fit(…), profit(…)), and conditional skips.
		{
			// A focus with a literal title in a test file is certainly one:
			// error, since the rest of the suite silently stops running.
			id:       "test/focused",
			severity: SeverityError,
			message:  msgFocused,
			files:    jsTests,
			code:     true,
			hints:    []string{".only", "fit", "fdescribe", "fcontext"},
			pattern:  focusedCall + `\s*\(\s*["'` + "`" + `]`,
		},
		{
			// The same call with another first argument is most likely one.
			id:       "test/focused",
			severity: SeverityWarning,
			message:  msgFocused,
			files:    jsTests,
			code:     true,
			hints:    []string{".only", "fit", "fdescribe", "fcontext"},
			pattern:  focusedCall + `\s*\(`,
		},
		{
			// A skip with a title (or none) skips a test; Playwright's
			// test.skip(condition, …) is a conditional skip and not flagged.
			id:       "test/skipped",
			severity: SeverityWarning,
			message:  msgSkipped,
			files:    jsTests,
			code:     true,
			hints:    []string{".skip", "xit", "xdescribe", "xcontext", "xtest"},
			pattern: `(?:^|[^\w$.])(?:(?:test\.)?(?:describe|context|it|test|suite)\.skip\s*\(\s*(?:["'` + "`" + `]|\))` +
				`|(?:xdescribe|xcontext|xit|xtest)\s*\()`,
		},
		{
			// A skip guarded by an if (testing.Short(), GOOS, a missing tool)
			// on the same line, or opened on the previous line, is deliberate.
			id:         "test/skipped",
			severity:   SeverityWarning,
			message:    msgSkipped,
			files:      goTests,
			code:       true,
			hints:      []string{".skip"},
			pattern:    `(?:(?:^|[^\w.])(?:t|tb|b|f)|\.T\(\))\.Skip(?:f|Now)?\(`,
			unless:     `\bif\b`,
			unlessPrev: `^\s*(?:(?:if|\}?\s*else)\b.*\{|(?:case\b.*|default\s*):)\s*(?://.*)?$`,
		},
		{
			// @pytest.mark.skipif(…) is conditional and not flagged.
			id:       "test/skipped",
			severity: SeverityWarning,
			message:  msgSkipped,
			files:    pyTests,
			code:     true,
			hints:    []string{"skip"},
			pattern:  `^\s*@(?:pytest\.mark\.skip|unittest\.skip)\s*(?:\(|$)`,
		},
	}
}
