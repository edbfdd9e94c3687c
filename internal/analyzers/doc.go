// Package analyzers runs external static analyzers (golangci-lint, semgrep,
// ...) over the files a pull request changed, and turns their SARIF 2.1.0
// output into [reviewer.Finding] values.
//
// Each configured [Analyzer] becomes one [reviewer.Reviewer] named
// "analyzer/<name>", so a tool that fails is listed on its own in
// [reviewer.Result.Failed] and does not hide the others' findings.
//
// # The tree
//
// For every review the head version of each changed file (not deleted, not
// binary, not skipped, matching [Analyzer.Paths]) is fetched through [Files]
// and written into a fresh temporary directory, which becomes the tool's
// working directory and is removed afterwards, with whatever the tool wrote.
// A file whose path no tool can be given (see [ToolPath]: a backslash, a
// control character, an empty, "." or ".." component, a name over 255 bytes,
// a path over 1024 bytes, or a name the file system refuses) is left out and
// listed by the reviewer's Notes for the summary; the other files are still
// analyzed. One review gives the tools at most [MaxFiles] changed files
// and [MaxLines] added lines, in pull-request order (every file is read and
// written to the tree, and a tool's time grows with them); the files beyond
// are named by the Notes too, and the other reviewers still review them.
// With [Analyzer.AppendFiles] the files are passed as "./<path>", so no
// file name can become an option.
//
// # Isolation
//
// The tool is started directly (argv, no shell) with an environment limited
// to PATH, HOME and TMPDIR (both in the run's own scratch directory) plus
// [Analyzer.Env]. A pull request controls the tool's input, and often, via
// configuration files in the tree, what the tool executes, so the tool is
// treated as hostile:
//
//   - When the worker runs as root, every run of a tool takes a user id
//     of [Analyzer.Users] for itself, as its uid and only gid (no
//     supplementary groups), waiting for a free one as long as the review's
//     context allows: concurrent runs never share a user, and the pool's
//     size bounds how many tools run at once. The run's scratch directory
//     belongs to that user with mode 0700, so no other run can read or
//     change it. The tool cannot read the worker's /proc/<pid>/environ,
//     mem or fd, nor a secret file only root can read ([ToolsCanRead]
//     checks one).
//   - When the worker is not root, the tool runs as the worker's user, and
//     the worker makes itself non-dumpable ([Protect], Linux prctl
//     PR_SET_DUMPABLE 0; a worker calls it at start-up), which closes its
//     /proc/<pid>/environ, mem and fd and ptrace to processes of the same
//     user. Files the worker can read, the tool can read too, and a
//     process the tool leaves behind outside its process group cannot be
//     told from the worker's own and survives.
//
// The tool runs in its own process group. When the tool exits, however it
// exits (success, failure, [Analyzer.Timeout], standard output beyond
// [Analyzer.MaxOutputBytes], the review's context ending), the whole group
// is killed; its output pipes are read at most 5 s longer, in case a
// process that left the group holds them. On a root worker (Linux), every
// process of the run's user is then killed too, wherever it is (setsid,
// a shell's job control, reparented to init): /proc is scanned and each
// one sent SIGKILL, until none is left, for at most 5 s; only then is the
// tree removed, whatever the user left at the top of /tmp, /var/tmp and
// /dev/shm removed too, and the id given back. An id some process of which
// survives (or a file of which cannot be removed) is kept out of the pool
// and the run fails ([ErrUserLeftOver] for processes).
//
// # Results
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
