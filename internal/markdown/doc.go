// Package markdown renders untrusted text — from a pull request, a
// repository's configuration, an analyzer or a language model — as Markdown
// that is safe in an Azure DevOps comment, and bounds a comment's length.
//
// Azure DevOps comments are Markdown with HTML allowed, and Azure DevOps
// turns "@<identity id or name>" into a mention that notifies the person or
// group, "#123" into a work-item link and "!123" into a pull-request link.
// Whatever the input, the output of [Policy.Text], [Code] and [Suggestion]:
//
//   - mentions nobody: "@<" never appears in it ("<" is written "&lt;" in
//     prose; in code, a word joiner U+2060 separates "@" from "<"), and a
//     "#" or "!" before a digit is written as an entity in prose;
//   - has no raw HTML: "<", ">" and "&" are entities in prose;
//   - has no image, and no link except, in prose, to a host the [Policy]
//     allows: every other URL has its ":" and "." escaped, so no renderer
//     (CommonMark, GFM autolinks, markdown-it's linkify) sees a link;
//   - cannot change the comment's structure: prose is one line with every
//     Markdown punctuation character escaped (no header, list, quote, table,
//     rule, fence or emphasis can start in it); a code span's fence is
//     longer than any backtick run inside and holds no line break; a
//     suggestion block's fence is longer than any backtick run in it.
//
// [Truncate] caps a whole comment at a line boundary outside any fenced
// block, so a cut never falls inside an escape, a code span or a
// suggestion. The functions are pure and safe for concurrent use.
package markdown
