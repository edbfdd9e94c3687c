package reviewer

// Shared patterns and messages.
const (
	// credentialKey matches the end of a key or identifier that names a
	// credential: dbPassword, DB_PASSWORD, client_secret, apiKey, authToken…
	// It must end the identifier, so passwordHash or token_type do not count.
	credentialKey = `[a-z0-9_.-]*?(?:password|passwd|secret|api[_.-]?key|access[_.-]?key|secret[_.-]?key|auth[_.-]?token|access[_.-]?token|token|credentials?)`
	// privateKeyLabel matches the end of a PEM private-key header or footer.
	privateKeyLabel = `(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`

	msgCredential = "Hard-coded credential assigned to a password, secret, API key or token. " +
		"Remove it, rotate it if it is real (it stays in the Git history), and read it from configuration or a secret store at run time."
	msgPrivateKey = "Private key committed to the repository. " +
		"Remove it, revoke or rotate the key (it stays in the Git history), and load it from a secret store such as Azure Key Vault."
	msgConflict = "Merge-conflict marker left in the file. " +
		"Resolve the conflict and remove the <<<<<<<, ======= and >>>>>>> lines."
	msgSkipped = "Test skipped unconditionally, so it no longer guards anything. " +
		"Fix or delete the test; if it must stay skipped for now, make the skip conditional or link the tracking work item in its reason."
)

// quoted matches a string literal in double quotes, single quotes or
// backquotes, capturing its content as "value".
const quoted = `(?:"(?P<value>(?:[^"\\]|\\.)*)"|'(?P<value>(?:[^'\\]|\\.)*)'|` + "`" + `(?P<value>[^` + "`" + `]*)` + "`" + `)`

// ruleTable is the built-in rule set: one entry per pattern. To add a rule,
// add an entry; rules_test.go checks the table and testdata/rules holds a
// fixture per rule.
func ruleTable() []ruleSpec {
	// The file sets the rules apply to.
	goFiles := exts(".go")
	goTests := baseSuffix("_test.go")
	jsFiles := exts(".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts")
	jsTests := allOf(jsFiles, anyOf(
		baseContains(".test.", ".spec.", ".cy."),
		inDir("test", "tests", "__tests__", "spec", "specs", "e2e", "cypress"),
	))
	pyFiles := exts(".py")
	// docFiles are prose, where "=======" underlines a heading.
	docFiles := exts(".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt")
	// printingDirs hold programs whose job may be to print: commands,
	// examples and scripts.
	printingDirs := inDir("cmd", "example", "examples", "_examples", "testdata", "tools", "scripts", "bin")

	return []ruleSpec{
		// Merge-conflict markers: a whole added conflict is one finding.
		{
			id:       "conflict/marker",
			severity: SeverityError,
			message:  msgConflict,
			hints:    []string{"<<<<<<<"},
			pattern:  `^<<<<<<<(?:\s|$)`,
			end:      `^>>>>>>>(?:\s|$)`,
		},
		{
			id:       "conflict/marker",
			severity: SeverityError,
			message:  msgConflict,
			hints:    []string{">>>>>>>", "|||||||"},
			pattern:  `^(?:>>>>>>>|\|\|\|\|\|\|\|)(?:\s|$)`,
		},
		{
			// Outside a conflict, "=======" alone underlines a heading in prose.
			id:       "conflict/marker",
			severity: SeverityError,
			message:  msgConflict,
			files:    not(docFiles),
			hints:    []string{"======="},
			pattern:  `^=======\s*$`,
		},

		// Debug leftovers.
		{
			id:       "debug/console-log",
			severity: SeverityWarning,
			message: "console.log call left in the code. " +
				"Remove it, or use the project's logger if the output is meant to stay.",
			files:      jsFiles,
			code:       true,
			hints:      []string{"console."},
			pattern:    `(?:^|[^\w$."'` + "`" + `])console\.(?:log|debug)\s*\(`,
			unless:     `eslint-disable-line`,
			unlessPrev: `eslint-disable-next-line`,
		},
		{
			id:       "debug/debugger",
			severity: SeverityWarning,
			message: "debugger statement left in the code: it pauses execution whenever developer tools are open. " +
				"Remove it.",
			files:      jsFiles,
			code:       true,
			hints:      []string{"debugger"},
			pattern:    `(?:^|[^\w$.])debugger\s*(?:;|\}|$)`,
			unless:     `eslint-disable-line`,
			unlessPrev: `eslint-disable-next-line`,
		},
		{
			// Commands, examples and scripts print by design; tests are
			// excluded too (t.Log is the tool there, and noise costs more).
			id:       "debug/go-print",
			severity: SeverityInfo,
			message: "fmt.Print call writes straight to standard output and looks like a leftover debug print. " +
				"Remove it, or use the project's logger.",
			files:   allOf(goFiles, not(goTests), not(printingDirs), not(baseIs("main.go"))),
			code:    true,
			hints:   []string{"fmt.print"},
			pattern: `(?:^|[^\w."'` + "`" + `])fmt\.Print(?:ln|f)?\(`,
			unless:  `//\s*nolint`,
		},
		{
			// print and println return nothing, so a call starts a statement.
			id:       "debug/go-builtin-print",
			severity: SeverityWarning,
			message: "Built-in print/println call: it writes to standard error, is meant for bootstrapping the runtime only, and is usually a leftover debug print. " +
				"Remove it, or use the project's logger.",
			files:   goFiles,
			code:    true,
			hints:   []string{"print"},
			pattern: `(?:^\s*|[{;]\s*|\b(?:defer|go)\s+)print(?:ln)?\(`,
			unless:  `^\s*func\b|//\s*nolint`,
		},
		{
			id:       "debug/python-print",
			severity: SeverityInfo,
			message: "print() call looks like a leftover debug print. " +
				"Remove it, or use the logging module.",
			files:   allOf(pyFiles, not(printingDirs), not(baseIs("__main__.py", "setup.py", "manage.py"))),
			code:    true,
			hints:   []string{"print"},
			pattern: `(?:^|[^\w."'])print\s*\(`,
			// def print(…), and print(…, file=sys.stderr), which reports.
			unless: `^\s*def\s|\bfile\s*=|#\s*noqa`,
		},
		{
			id:       "debug/python-breakpoint",
			severity: SeverityWarning,
			message: "Debugger breakpoint left in the code (breakpoint(), pdb): it stops the program to wait for input. " +
				"Remove it.",
			files:   pyFiles,
			code:    true,
			hints:   []string{"breakpoint", "pdb"},
			pattern: `(?:^|[^\w.])(?:breakpoint\(\)|i?pdb\.set_trace\(\)|import\s+i?pdb\b)`,
		},

		// Focused or skipped tests.
		{
			id:       "test/focused",
			severity: SeverityWarning,
			message: "Focused test (.only, fit, fdescribe): every other test in the suite stops running. " +
				"Remove the focus before merging.",
			files:   jsTests,
			code:    true,
			hints:   []string{".only", "fit", "fdescribe", "fcontext"},
			pattern: `(?:^|[^\w$.])(?:(?:test\.)?(?:describe|context|it|test|suite)\.only|fdescribe|fcontext|fit)\s*\(`,
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
			files:    pyFiles,
			hints:    []string{"skip"},
			pattern:  `^\s*@(?:pytest\.mark\.skip|unittest\.skip)\s*(?:\(|$)`,
		},
	}
}
